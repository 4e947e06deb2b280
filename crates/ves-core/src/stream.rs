//! Store ids of the extra streams of a run (`STREAMS=n`). Ingest into one (tenant, store)
//! stream is serialized by the sequencer, so load is spread over several store ids, derived
//! deterministically so that k6, `ves presign` and a later `ves verify` agree on them.
//!
//! Rule: index 0 is the base store id itself; for i >= 1,
//! `b = SHA-256("ves-k6/stream/v1" || UUID(base) || u32be(i))[0..16]`, then the UUID version
//! nibble is set to 8 (`b[6] = b[6] & 0x0f | 0x80`) and the RFC 4122 variant
//! (`b[8] = b[8] & 0x3f | 0x80`).

use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const STREAM_DOMAIN: &[u8] = b"ves-k6/stream/v1";

pub fn stream_store_id(base: &Uuid, index: u32) -> Uuid {
    if index == 0 {
        return *base;
    }
    let mut h = Sha256::new();
    h.update(STREAM_DOMAIN);
    h.update(base.as_bytes());
    h.update(index.to_be_bytes());
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_zero_is_the_base_and_others_are_distinct_v8() {
        let base = Uuid::nil();
        assert_eq!(stream_store_id(&base, 0), base);
        let ids: std::collections::HashSet<_> =
            (0..100).map(|i| stream_store_id(&base, i)).collect();
        assert_eq!(ids.len(), 100);
        let one = stream_store_id(&base, 1);
        assert_eq!(one.get_version_num(), 8);
        assert_eq!(one.get_variant(), uuid::Variant::RFC4122);
    }
}
