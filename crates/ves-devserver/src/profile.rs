//! The real server's algorithm and scheme numbers under its default `legacy` security profile
//! (`src/crypto/pqc_signing.rs`, v0.2.7): the profile allows every value, and values the
//! server does not know fall back to Ed25519.

/// `KeyAlgorithm::from_i32` of the real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// 0 and every unknown value: Ed25519.
    Unspecified,
    Ed25519,
    X25519,
    MlDsa65,
    MlKem768,
    Ed25519MlDsa65,
    X25519MlKem768,
}

impl KeyAlgorithm {
    pub fn from_i32(value: i32) -> Self {
        match value {
            1 => Self::Ed25519,
            2 => Self::X25519,
            3 => Self::MlDsa65,
            4 => Self::MlKem768,
            5 => Self::Ed25519MlDsa65,
            6 => Self::X25519MlKem768,
            _ => Self::Unspecified,
        }
    }

    /// Ed25519 verification keys; the real `VerificationKey::from_key_entry` refuses the
    /// encryption algorithms (2, 4, 6) with `invalid public key format` at ingest.
    pub fn verifies_ed25519(self) -> bool {
        matches!(self, Self::Unspecified | Self::Ed25519)
    }

    /// ML-DSA keys, whose registration requires a proof of possession.
    pub fn needs_pop(self) -> bool {
        matches!(self, Self::MlDsa65 | Self::Ed25519MlDsa65)
    }
}

/// `SignatureScheme::from_i32`: 2 and 3 are the ML-DSA schemes, which never verify against
/// an Ed25519 key; every other value (absent, 0, 1, unknown) is Ed25519.
pub fn is_ml_dsa_scheme(scheme: Option<i32>) -> bool {
    matches!(scheme, Some(2 | 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_ed25519() {
        for v in [0, 1, 7, 99, -1, i32::MAX, i32::MIN] {
            assert!(KeyAlgorithm::from_i32(v).verifies_ed25519(), "{v}");
        }
        for v in [2, 3, 4, 5, 6] {
            assert!(!KeyAlgorithm::from_i32(v).verifies_ed25519(), "{v}");
        }
        assert!(!is_ml_dsa_scheme(None) && !is_ml_dsa_scheme(Some(4)));
        assert!(is_ml_dsa_scheme(Some(2)) && is_ml_dsa_scheme(Some(3)));
    }
}
