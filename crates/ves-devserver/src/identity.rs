//! The sequencer's identity: its receipt-signing Ed25519 key and its `sequencerId`, both stable
//! per data folder. The seed lives in `DIR/sequencer.key` (hex, mode 0600, created on first
//! start); the public key is written to `DIR/sequencer.pub` (hex, one line) for `make demo`.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use base64::Engine;
use uuid::Uuid;
use ves_core::sign::{self, SigningKey};

use crate::config::Config;
use crate::db::Db;

pub const SEED_FILE: &str = "sequencer.key";
pub const PUBLIC_KEY_FILE: &str = "sequencer.pub";

pub struct Identity {
    pub sequencer_id: Uuid,
    pub key: SigningKey,
}

impl Identity {
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }
}

/// A 32-byte seed given as hex (optional `0x`) or base64, as the real server's
/// `VES_SEQUENCER_SIGNING_KEY`.
pub fn parse_seed(text: &str) -> Result<[u8; 32]> {
    let text = text.trim();
    let hex_digits = text.strip_prefix("0x").unwrap_or(text);
    let mut seed = [0u8; 32];
    if hex::decode_to_slice(hex_digits, &mut seed).is_ok() {
        return Ok(seed);
    }
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        if let Ok(bytes) = engine.decode(text) {
            if let Ok(seed) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return Ok(seed);
            }
        }
    }
    Err(anyhow!(
        "the sequencer seed must be 32 bytes as 64 hex digits (optional 0x) or base64"
    ))
}

fn random_seed() -> Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow!("no system randomness: {e}"))?;
    Ok(seed)
}

/// Reads `DIR/sequencer.key`, creating it (mode 0600) on first start.
fn seed_from_folder(dir: &Path) -> Result<[u8; 32]> {
    let path = dir.join(SEED_FILE);
    if path.exists() {
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return parse_seed(&text).with_context(|| format!("in {}", path.display()));
    }
    let seed = random_seed()?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", hex::encode(seed))?;
    file.sync_all()?;
    Ok(seed)
}

pub fn load(cfg: &Config, db: &Db) -> Result<Identity> {
    let seed = match (&cfg.sequencer_seed, cfg.memory) {
        (Some(text), _) => {
            parse_seed(text).context("--sequencer-seed / VES_SEQUENCER_SIGNING_KEY")?
        }
        (None, true) => random_seed()?,
        (None, false) => seed_from_folder(&cfg.data)?,
    };
    let sequencer_id = match cfg.sequencer_id {
        Some(id) => id,
        None => match db.meta_get("sequencer_id")?.and_then(|s| s.parse().ok()) {
            Some(id) => id,
            None => {
                let id = Uuid::new_v4();
                db.meta_set("sequencer_id", &id.to_string())?;
                id
            }
        },
    };
    let identity = Identity {
        sequencer_id,
        key: sign::signing_key_from_seed(&seed),
    };
    if !cfg.memory {
        let path = cfg.data.join(PUBLIC_KEY_FILE);
        fs::write(&path, format!("{}\n", identity.public_key_hex()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_as_hex_or_base64() {
        let hex_seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let a = parse_seed(hex_seed).unwrap();
        assert_eq!(parse_seed(&format!("0x{hex_seed}")).unwrap(), a);
        let b64 = base64::engine::general_purpose::STANDARD.encode(a);
        assert_eq!(parse_seed(&b64).unwrap(), a);
        assert!(parse_seed("abcd").is_err());
    }
}
