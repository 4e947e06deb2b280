//! The keys the signer holds, by public key. Seeds never leave this module: not in answers, not
//! in logs (only public keys are shown).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use ves_core::hexfmt;
use ves_core::sign::{self, SigningKey};

/// Where a key came from (shown in `GET /v1/keys`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    SeedFile,
    Generated,
}

pub struct HeldKey {
    pub key: SigningKey,
    pub origin: Origin,
}

/// Why a key could not be added.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("this signer already holds {max} generated keys (--max-keys); restart it or raise --max-keys")]
    Full { max: usize },
    #[error("this signer was started with --no-generate: it signs only with the keys of its --seed-file options")]
    GenerateDisabled,
}

pub struct KeyStore {
    keys: RwLock<HashMap<[u8; 32], Arc<HeldKey>>>,
    max_generated: usize,
    allow_generate: bool,
}

impl KeyStore {
    pub fn new(max_generated: usize, allow_generate: bool) -> Self {
        KeyStore {
            keys: RwLock::new(HashMap::new()),
            max_generated,
            allow_generate,
        }
    }

    /// Adds a key from a seed file; returns its public key (bare hex).
    pub fn insert_seed(&self, seed: &[u8; 32]) -> String {
        let key = sign::signing_key_from_seed(seed);
        let public = key.verifying_key().to_bytes();
        self.write().insert(
            public,
            Arc::new(HeldKey {
                key,
                origin: Origin::SeedFile,
            }),
        );
        hexfmt::encode(&public)
    }

    /// Generates a key from OS randomness and holds it; returns its public key (bare hex).
    pub fn generate(&self) -> Result<String, KeyError> {
        if !self.allow_generate {
            return Err(KeyError::GenerateDisabled);
        }
        let mut keys = self.write();
        let generated = keys
            .values()
            .filter(|k| k.origin == Origin::Generated)
            .count();
        if generated >= self.max_generated {
            return Err(KeyError::Full {
                max: self.max_generated,
            });
        }
        let key = sign::signing_key_from_seed(&crate::secret::os_random_seed());
        let public = key.verifying_key().to_bytes();
        keys.insert(
            public,
            Arc::new(HeldKey {
                key,
                origin: Origin::Generated,
            }),
        );
        Ok(hexfmt::encode(&public))
    }

    /// The key whose public key is `public_hex` (64 hex digits, optional `0x`), if held.
    pub fn get(&self, public_hex: &str) -> Option<Arc<HeldKey>> {
        let public = hexfmt::decode_fixed::<32>(public_hex, "key").ok()?;
        self.read().get(&public).cloned()
    }

    /// Public keys (bare hex) and origins, sorted for stable output.
    pub fn list(&self) -> Vec<(String, Origin)> {
        let mut out: Vec<_> = self
            .read()
            .iter()
            .map(|(p, k)| (hexfmt::encode(p), k.origin))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    // A poisoned lock only means a thread panicked while holding it; the map is still usable.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<[u8; 32], Arc<HeldKey>>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<[u8; 32], Arc<HeldKey>>> {
        self.keys.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_bounded_and_found_by_public_key() {
        let store = KeyStore::new(1, true);
        let public = store.generate().unwrap();
        assert!(store.get(&public).is_some());
        assert!(store.get(&format!("0x{public}")).is_some());
        assert_eq!(store.generate(), Err(KeyError::Full { max: 1 }));
        // Seed-file keys do not count against the bound.
        store.insert_seed(&[7u8; 32]);
        assert_eq!(store.len(), 2);
        assert!(store.get("zz").is_none());
    }

    #[test]
    fn generation_can_be_disabled() {
        let store = KeyStore::new(10, false);
        assert_eq!(store.generate(), Err(KeyError::GenerateDisabled));
    }
}
