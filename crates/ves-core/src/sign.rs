//! Ed25519 (RFC 8032 PureEdDSA) over the 32-byte hashes, via ed25519-dalek 2. Verification is
//! `VerifyingKey::verify`, not `verify_strict`, matching the server (VES_V1.md §3).

pub use ed25519_dalek::{Signature, SigningKey, VerifyingKey};

use crate::error::{Error, Result};
use crate::hash::Hash;

/// An agent or sequencer key from its 32-byte RFC 8032 seed.
pub fn signing_key_from_seed(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

/// Parses a 32-byte public key (hex, optional `0x`) and checks that it is a curve point.
pub fn verifying_key_from_hex(s: &str) -> Result<VerifyingKey> {
    let bytes = crate::hexfmt::decode_fixed::<32>(s, "public key")?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| Error::PublicKey(format!("not a valid Ed25519 point ({e})")))
}

pub fn sign_hash(key: &SigningKey, hash: &Hash) -> [u8; 64] {
    use ed25519_dalek::Signer;
    key.sign(hash).to_bytes()
}

pub fn verify_hash(key: &VerifyingKey, hash: &Hash, signature: &[u8; 64]) -> Result<()> {
    use ed25519_dalek::Verifier;
    key.verify(hash, &Signature::from_bytes(signature))
        .map_err(|_| Error::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_point_is_a_clear_error() {
        // y = 2 is not on the curve.
        let mut b = [0u8; 32];
        b[0] = 2;
        let e = verifying_key_from_hex(&crate::hexfmt::encode(&b))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid Ed25519 point"), "{e}");
    }
}
