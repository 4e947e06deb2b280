//! Domain-separated SHA-256 hashes of VES v1 (VES_V1.md §2, §3, §5.3, §8).
//! Each preimage is written once, by a `write_*` function, so that the bytes that are hashed and
//! the bytes that conformance vectors print cannot drift apart.

use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const DOMAIN_PAYLOAD_PLAIN: &[u8] = b"VES_PAYLOAD_PLAIN_V1";
pub const DOMAIN_EVENTSIG: &[u8] = b"VES_EVENTSIG_V1";
pub const DOMAIN_RECEIPT: &[u8] = b"VES_RECEIPT_V1";
pub const DOMAIN_LEAF: &[u8] = b"VES_LEAF_V1";
pub const DOMAIN_PAD_LEAF: &[u8] = b"VES_PAD_LEAF_V1";
pub const DOMAIN_NODE: &[u8] = b"VES_NODE_V1";
pub const DOMAIN_STREAM: &[u8] = b"VES_STREAM_V1";
pub const DOMAIN_STATE_ROOT: &[u8] = b"VES_STATE_ROOT_V1";

/// A 32-byte SHA-256 output.
pub type Hash = [u8; 32];

/// The cipher hash of every plaintext event.
pub const ZERO_HASH: Hash = [0u8; 32];

/// Receives preimage bytes: a hasher, or a buffer for printing.
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// `u32be(byte length) || UTF-8`. A string longer than u32::MAX bytes cannot be sent (the body
/// limit is 10 MiB); it saturates rather than panics, which only yields a hash nobody matches.
pub fn put_enc_str(out: &mut impl Sink, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.put(&len.to_be_bytes());
    out.put(s.as_bytes());
}

pub fn put_uuid(out: &mut impl Sink, u: &Uuid) {
    out.put(u.as_bytes());
}

fn finish(h: Sha256) -> Hash {
    h.finalize().into()
}

/// `SHA-256(domain || parts…)`.
pub fn domain_hash(domain: &[u8], parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    h.update(domain);
    for p in parts {
        h.update(p);
    }
    finish(h)
}

/// `payload_plain_hash` of a plaintext payload, from its canonical JSON text.
///
/// ```
/// use ves_core::{hash, hexfmt, jcs};
///
/// // The payload of event 1 of the KAT's worked example (tests/vectors/ves_v1_computed_kat.json).
/// let text = jcs::canonicalize(&serde_json::json!({"reason": "test", "delta": 100})).unwrap();
/// assert_eq!(text, r#"{"delta":100,"reason":"test"}"#);
/// assert_eq!(
///     hexfmt::encode(&hash::payload_plain_hash_from_jcs(&text)),
///     "815ab060b3f26dacf429ce062f8befb81f52938e692010255f86d12c3e4c2cda"
/// );
/// ```
pub fn payload_plain_hash_from_jcs(jcs: &str) -> Hash {
    domain_hash(DOMAIN_PAYLOAD_PLAIN, &[jcs.as_bytes()])
}

/// `payload_plain_hash` of an encrypted payload (kind 1): the 16-byte salt precedes the JCS.
pub fn payload_plain_hash_salted(salt: &[u8; 16], jcs: &str) -> Hash {
    domain_hash(DOMAIN_PAYLOAD_PLAIN, &[salt, jcs.as_bytes()])
}

/// Receipt preimage (102 bytes): `VES_RECEIPT_V1 || tenant || store || event || u64be(seq) || signing hash`.
pub fn write_receipt_preimage(
    out: &mut impl Sink,
    tenant: &Uuid,
    store: &Uuid,
    event: &Uuid,
    seq: u64,
    signing_hash: &Hash,
) {
    out.put(DOMAIN_RECEIPT);
    put_uuid(out, tenant);
    put_uuid(out, store);
    put_uuid(out, event);
    out.put(&seq.to_be_bytes());
    out.put(signing_hash);
}

/// The receipt hash the server returns for event `event` at sequence number `seq` (see
/// [`crate::Receipt::verify`] for the check a client makes).
///
/// ```
/// use uuid::Uuid;
/// use ves_core::{hexfmt, receipt_hash};
///
/// // Event 1 of the KAT's worked example, sequenced at 1.
/// let (tenant, store) = (Uuid::from_u128(1), Uuid::from_u128(2));
/// let event: Uuid = "11111111-1111-1111-1111-111111111111".parse().unwrap();
/// let signing_hash = hexfmt::decode_fixed::<32>(
///     "4dd87d2bff38574cdc3e61e9aea0cbc4109eaf2962f3894f3d82431082343ff6",
///     "signing hash",
/// )
/// .unwrap();
/// assert_eq!(
///     hexfmt::encode(&receipt_hash(&tenant, &store, &event, 1, &signing_hash)),
///     "17d005448b9588871be3beecbb5b6858ffe6fa63d6aa7675d0acb02e15bd2ca1"
/// );
/// ```
pub fn receipt_hash(
    tenant: &Uuid,
    store: &Uuid,
    event: &Uuid,
    seq: u64,
    signing_hash: &Hash,
) -> Hash {
    let mut h = Sha256::new();
    write_receipt_preimage(&mut h, tenant, store, event, seq, signing_hash);
    finish(h)
}

/// Merkle leaf preimage (147 bytes): `VES_LEAF_V1 || tenant || store || u64be(seq) || signing hash || signature`.
pub fn write_leaf_preimage(
    out: &mut impl Sink,
    tenant: &Uuid,
    store: &Uuid,
    seq: u64,
    signing_hash: &Hash,
    signature: &[u8; 64],
) {
    out.put(DOMAIN_LEAF);
    put_uuid(out, tenant);
    put_uuid(out, store);
    out.put(&seq.to_be_bytes());
    out.put(signing_hash);
    out.put(signature);
}

/// The Merkle leaf of an event: it commits to the sequence number, the signing hash and the
/// agent's signature as the server stored it.
///
/// ```
/// use uuid::Uuid;
/// use ves_core::{hexfmt, leaf_hash};
///
/// // Event 1 of the KAT's worked example, sequenced at 1.
/// let hex32 = |h| hexfmt::decode_fixed::<32>(h, "hash").unwrap();
/// let signing_hash = hex32("4dd87d2bff38574cdc3e61e9aea0cbc4109eaf2962f3894f3d82431082343ff6");
/// let signature = hexfmt::decode_fixed::<64>(
///     "a0478a20df91042a3a3cf4388553875e6ef488aaae9726cffb9968e352cbd121\
///      4fd6b13d77b19fd29b4584743984aa96a90183a41f89e09ddfbfbcc837f9b00a",
///     "signature",
/// )
/// .unwrap();
/// let leaf = leaf_hash(&Uuid::from_u128(1), &Uuid::from_u128(2), 1, &signing_hash, &signature);
/// assert_eq!(
///     hexfmt::encode(&leaf),
///     "c052fa751455e5b36e85c2cae15b143bcce91f9db9c2c30aaf7397fddef8d53b"
/// );
/// ```
pub fn leaf_hash(
    tenant: &Uuid,
    store: &Uuid,
    seq: u64,
    signing_hash: &Hash,
    signature: &[u8; 64],
) -> Hash {
    let mut h = Sha256::new();
    write_leaf_preimage(&mut h, tenant, store, seq, signing_hash, signature);
    finish(h)
}

/// `SHA-256("VES_NODE_V1" || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    domain_hash(DOMAIN_NODE, &[left, right])
}

/// `SHA-256("VES_PAD_LEAF_V1")`, the filler up to the next power of two.
pub const PAD_LEAF: Hash = [
    0xd9, 0xdd, 0x0e, 0x00, 0x3b, 0xa5, 0x37, 0x0a, 0x69, 0x80, 0x13, 0xc4, 0x8e, 0xd6, 0x9c, 0x6c,
    0x41, 0xd9, 0xeb, 0xc1, 0x23, 0x6d, 0x44, 0xb2, 0x80, 0xc5, 0x2c, 0xea, 0xcf, 0xda, 0xd5, 0x24,
];

/// `SHA-256("VES_STREAM_V1" || tenant || store)`.
pub fn stream_id(tenant: &Uuid, store: &Uuid) -> Hash {
    domain_hash(DOMAIN_STREAM, &[tenant.as_bytes(), store.as_bytes()])
}

/// State-root preimage (133 bytes): `VES_STATE_ROOT_V1 || stream_id || prev_state_root ||
/// merkle_root || u64be(sequence_start) || u64be(sequence_end) || u32be(leaf_count)`.
pub fn write_state_root_preimage(
    out: &mut impl Sink,
    stream_id: &Hash,
    prev_state_root: &Hash,
    merkle_root: &Hash,
    sequence_start: u64,
    sequence_end: u64,
    leaf_count: u32,
) {
    out.put(DOMAIN_STATE_ROOT);
    out.put(stream_id);
    out.put(prev_state_root);
    out.put(merkle_root);
    out.put(&sequence_start.to_be_bytes());
    out.put(&sequence_end.to_be_bytes());
    out.put(&leaf_count.to_be_bytes());
}

/// The commitment chain's state root (VES_V1.md §8.3).
pub fn state_root(
    stream_id: &Hash,
    prev_state_root: &Hash,
    merkle_root: &Hash,
    sequence_start: u64,
    sequence_end: u64,
    leaf_count: u32,
) -> Hash {
    let mut h = Sha256::new();
    write_state_root_preimage(
        &mut h,
        stream_id,
        prev_state_root,
        merkle_root,
        sequence_start,
        sequence_end,
        leaf_count,
    );
    finish(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_leaf_constant_is_the_hash_of_its_domain() {
        assert_eq!(PAD_LEAF, <[u8; 32]>::from(Sha256::digest(DOMAIN_PAD_LEAF)));
    }

    #[test]
    fn state_root_is_the_hash_of_its_133_byte_preimage() {
        let (stream, prev, root) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let mut pre = Vec::new();
        write_state_root_preimage(&mut pre, &stream, &prev, &root, 1, 37, 37);
        assert_eq!(pre.len(), 133);
        assert!(pre.starts_with(DOMAIN_STATE_ROOT));
        assert_eq!(
            <[u8; 32]>::from(Sha256::digest(&pre)),
            state_root(&stream, &prev, &root, 1, 37, 37)
        );
    }

    #[test]
    fn enc_str_counts_bytes_not_characters() {
        let mut v = Vec::new();
        put_enc_str(&mut v, "é");
        assert_eq!(v, [0, 0, 0, 2, 0xc3, 0xa9]);
    }
}
