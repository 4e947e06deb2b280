//! Ids and agent keys of a run, derived from one seed (spec/README.md, "Ids"): a run with a
//! fresh seed uses fresh tenants, stores, agents and events, so it can run against a shared
//! server again and again; the seed `golden` gives the fixed ids of the golden files. The k6
//! runner (`js/spec.js`) derives the same values from the same labels.

use sha2::{Digest, Sha256};
use uuid::Uuid;
use ves_core::sign::{self, SigningKey};

const DOMAIN: &str = "ves-spec/v1";

fn digest(seed: &str, label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(format!("{DOMAIN}\n{seed}\n{label}").as_bytes());
    h.finalize().into()
}

/// A version-4 UUID from the first 16 bytes of SHA-256("ves-spec/v1\n" seed "\n" label).
pub fn uuid(seed: &str, label: &str) -> Uuid {
    let d = digest(seed, label);
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The Ed25519 key of an agent label: its seed is SHA-256("ves-spec/v1\n" seed "\nkey:" label).
pub fn agent_key(seed: &str, label: &str) -> SigningKey {
    sign::signing_key_from_seed(&digest(seed, &format!("key:{label}")))
}

/// Labels: the main tenant and agent belong to the run; everything else to one property in
/// one pass (`pass` is "0" for `ves spec`, "<vu>.<iteration>" in k6).
pub fn label(kind: &str, property: &str, name: &str, pass: &str) -> String {
    if name == "main" && (kind == "tenant" || kind == "agent") {
        format!("{kind}:main")
    } else {
        format!("{kind}:{property}:{name}:{pass}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v4_and_fixed_by_seed_and_label() {
        let a = uuid("golden", "tenant:main");
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a, uuid("golden", "tenant:main"));
        assert_ne!(a, uuid("golden", "agent:main"));
        assert_ne!(a, uuid("other", "tenant:main"));
        // The value js/spec.js must derive too (tests/k6/spec.test.js holds the same line).
        assert_eq!(a.to_string(), known_golden_tenant());
    }

    fn known_golden_tenant() -> String {
        let d = Sha256::digest(b"ves-spec/v1\ngolden\ntenant:main");
        let mut b = [0u8; 16];
        b.copy_from_slice(&d[..16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        Uuid::from_bytes(b).to_string()
    }

    #[test]
    fn main_ids_belong_to_the_run_others_to_a_pass() {
        assert_eq!(label("agent", "p.x", "main", "0"), "agent:main");
        assert_eq!(label("store", "p.x", "main", "0"), "store:p.x:main:0");
        assert_eq!(label("agent", "p.x", "rogue", "1.2"), "agent:p.x:rogue:1.2");
    }
}
