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
    sign_message(key, hash)
}

pub fn verify_hash(key: &VerifyingKey, hash: &Hash, signature: &[u8; 64]) -> Result<()> {
    verify_message(key, hash, signature)
}

/// Ed25519 over a message of any length (RFC 8032 test vectors); VES itself signs 32-byte hashes.
pub fn sign_message(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    use ed25519_dalek::Signer;
    key.sign(message).to_bytes()
}

pub fn verify_message(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> Result<()> {
    use ed25519_dalek::Verifier;
    key.verify(message, &Signature::from_bytes(signature))
        .map_err(|_| Error::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_test_2_one_byte_message() {
        let seed = crate::hexfmt::decode_fixed::<32>(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "seed",
        )
        .unwrap();
        let key = signing_key_from_seed(&seed);
        let sig = sign_message(&key, &[0x72]);
        assert_eq!(
            crate::hexfmt::encode(&sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        );
        verify_message(&key.verifying_key(), &[0x72], &sig).unwrap();
        assert_eq!(
            verify_message(&key.verifying_key(), &[0x73], &sig),
            Err(Error::BadSignature)
        );
    }

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
