//! Payload shapes, one vocabulary for the k6 library's `PAYLOAD` (js/payload.js, its mirror) and
//! `ves presign --shape`: an order event of [`crate::content`] reshaped from block `(i, 0)` of the
//! `payload` purpose of the same (seed, scenario, iteration). The same inputs give the same JCS
//! bytes and payload hashes on both sides, held equal by the shape cases of `ves vectors`.
//!
//! - `order` (default): the order payload unchanged.
//! - `small`: `{order_id, status}` only.
//! - `medium`: the order padded to [`MEDIUM_BYTES`] of JCS (or `payload_bytes`).
//! - `large`: the order padded to [`LARGE_BYTES`] (or `payload_bytes`), near the 1 MiB limit.
//! - `unicode`: the order plus `text` (four strings of [`UNICODE_STRINGS`] chosen by bytes 0..4)
//!   and `labels` (three keys made of those strings, bytes 4..7): astral characters, combining
//!   marks, escapes, keys in UTF-16 order.
//! - `floats`: the order plus `readings`: four doubles from the block's bytes (big-endian; a
//!   non-finite pattern becomes the edge value `FLOAT_EDGES[byte k % len]`) and
//!   `FLOAT_EDGES[byte 31 % len]`.
//! - `nested`: the order plus `tree`: `3 + byte 0 % 10` levels alternating
//!   `{"depth": k, "next": …}` (k even) and `[k, …]` (k odd) around `{"leaf": u32(bytes 1..5)}`.
//! - `mixed`: event 0 of a batch is `MIXED[byte 31 % 6]` (which includes `large`); the others
//!   `MIXED[byte 31 % 5]` (all but `large`), so a batch holds at most one large payload.
//!
//! `payload_bytes` (k6's `PAYLOAD_BYTES`, presign's `--payload-bytes`), when not 0, pads every
//! payload with a `pad` string to about that many bytes of JCS, and replaces the medium and
//! large targets.

use serde_json::{json, Map, Number, Value};

use crate::content::{block_u32, ContentSource};
use crate::envelope::UnsignedEvent;
use crate::generate::pad_payload;

/// JCS bytes of a `medium` payload.
pub const MEDIUM_BYTES: usize = 4096;
/// JCS bytes of a `large` payload: below the sequencer's 1 MiB per payload with room to spare.
pub const LARGE_BYTES: usize = 1_000_000;
/// The largest `payload_bytes`.
pub const MAX_SHAPE_BYTES: usize = LARGE_BYTES;

/// Edge values of `floats`: ±0, 2^53, 1e21, the smallest subnormal, 1e-7, shortest round-trip
/// cases, the largest double, the smallest normal, and two doubles a real sequencer broke on.
pub const FLOAT_EDGES: [f64; 12] = [
    0.0,
    -0.0,
    9_007_199_254_740_992.0,
    1e21,
    5e-324,
    1e-7,
    0.1,
    f64::MAX,
    2.225_073_858_507_201_4e-308,
    3.765_373_649_655_443_2e-62,
    -4.331_963_380_013_273_5e222,
    123_456_789.123_456_78,
];

/// Strings of `unicode`. Never U+0000 (the server refuses it).
pub const UNICODE_STRINGS: [&str; 16] = [
    "😀",
    "𝄞 music",
    "e\u{301}",
    "A\u{30a}\u{323}",
    "\u{e9}",
    "\u{1}\u{1f}\u{7f}",
    "\"quote\" \\ /",
    "\u{2028}\u{2029}",
    "\u{feff}bom",
    "tab\tnew\nline",
    "\u{d7ff}\u{e000}\u{fffd}",
    "\u{10ffff}",
    "日本語",
    "\u{ff61}",
    "a\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
    "plain",
];

/// A payload shape (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Order,
    Small,
    Medium,
    Large,
    Unicode,
    Floats,
    Nested,
    Mixed,
}

/// The names, in the order the docs list them.
pub const SHAPE_NAMES: [&str; 8] = [
    "order", "small", "medium", "large", "unicode", "floats", "nested", "mixed",
];

/// What `mixed` draws from; `large` last so that `% 5` leaves it out.
const MIXED: [Shape; 6] = [
    Shape::Small,
    Shape::Medium,
    Shape::Unicode,
    Shape::Floats,
    Shape::Nested,
    Shape::Large,
];

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Order => "order",
            Shape::Small => "small",
            Shape::Medium => "medium",
            Shape::Large => "large",
            Shape::Unicode => "unicode",
            Shape::Floats => "floats",
            Shape::Nested => "nested",
            Shape::Mixed => "mixed",
        }
    }
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let all = [
            Shape::Order,
            Shape::Small,
            Shape::Medium,
            Shape::Large,
            Shape::Unicode,
            Shape::Floats,
            Shape::Nested,
            Shape::Mixed,
        ];
        if let Some(shape) = all.into_iter().find(|x| x.name() == s) {
            return Ok(shape);
        }
        let hint = match s {
            "edge" => " (`edge` is now `unicode` and `floats`)",
            "inventory" => " (`inventory` is now `small`)",
            _ => "",
        };
        Err(format!(
            "expected one of {}; found {s:?}{hint}",
            SHAPE_NAMES.join(", ")
        ))
    }
}

/// Reshapes the payloads of `events` (order events of one content source, index i at place i)
/// with block `(i, 0)` of `payload_source` (the `payload` purpose of the same seed, scenario and
/// iteration), then pads them to `payload_bytes` when not 0.
pub fn shape_events(
    events: &mut [UnsignedEvent],
    shape: Shape,
    payload_source: &ContentSource,
    payload_bytes: usize,
) {
    for (i, e) in events.iter_mut().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let block = payload_source.block(index, 0);
        let one = match shape {
            Shape::Mixed => {
                let n = if i == 0 { 6 } else { 5 };
                MIXED[usize::from(block[31]) % n]
            }
            s => s,
        };
        shape_payload(&mut e.payload, one, &block, payload_bytes);
    }
}

/// One payload of shape `shape` (not `mixed`) from its block.
pub fn shape_payload(payload: &mut Value, shape: Shape, block: &[u8; 32], payload_bytes: usize) {
    let target = match shape {
        Shape::Medium if payload_bytes == 0 => MEDIUM_BYTES,
        Shape::Large if payload_bytes == 0 => LARGE_BYTES,
        _ => payload_bytes,
    };
    if let Value::Object(map) = payload {
        match shape {
            Shape::Small => map.retain(|k, _| k == "order_id" || k == "status"),
            Shape::Unicode => {
                let text: Vec<&str> = (0..4)
                    .map(|k| UNICODE_STRINGS[usize::from(block[k]) % UNICODE_STRINGS.len()])
                    .collect();
                let mut labels = Map::new();
                for k in 0..3usize {
                    let s = UNICODE_STRINGS[usize::from(block[4 + k]) % UNICODE_STRINGS.len()];
                    labels.insert(format!("{s}#{k}"), json!(k));
                }
                map.insert("text".into(), json!(text));
                map.insert("labels".into(), Value::Object(labels));
            }
            Shape::Floats => {
                let readings: Vec<Value> = floats_of(block)
                    .into_iter()
                    .map(|x| Number::from_f64(x).map_or(Value::Null, Value::Number))
                    .collect();
                map.insert("readings".into(), Value::Array(readings));
            }
            Shape::Nested => {
                let depth = 3 + usize::from(block[0] % 10);
                let mut node = json!({ "leaf": block_u32(block, 1) });
                for k in (0..depth).rev() {
                    node = if k % 2 == 0 {
                        json!({ "depth": k, "next": node })
                    } else {
                        json!([k, node])
                    };
                }
                map.insert("tree".into(), node);
            }
            _ => {}
        }
    }
    pad_payload(payload, target);
}

/// Bound of a payload without padding (every unpadded shape stays well below it).
pub const UNPADDED_BOUND: usize = 2048;
/// Bound of one event's envelope besides its payload (ids, hashes, signature, JSON keys).
pub const ENVELOPE_BOUND: usize = 1024;

/// An upper bound of the bytes of an ingest body of `batch_size` events of `shape`: each
/// event's payload is at most max(its target, UNPADDED_BOUND), plus ENVELOPE_BOUND. `mixed`
/// counts its one large payload. js/payload.js batchBytesBound is the same rule; runs and
/// presign refuse combinations whose bound is above the 10 MiB request limit.
pub fn batch_bytes_bound(shape: Shape, payload_bytes: usize, batch_size: usize) -> usize {
    let one = |s: Shape| {
        let target = match s {
            Shape::Medium if payload_bytes == 0 => MEDIUM_BYTES,
            Shape::Large if payload_bytes == 0 => LARGE_BYTES,
            _ => payload_bytes,
        };
        target.max(UNPADDED_BOUND) + ENVELOPE_BOUND
    };
    let (first, rest) = match shape {
        Shape::Mixed => (one(Shape::Large), one(Shape::Medium)),
        s => (one(s), one(s)),
    };
    if batch_size == 0 {
        return 0;
    }
    first + rest * (batch_size - 1)
}

/// The five doubles of `floats` (module docs).
pub fn floats_of(block: &[u8; 32]) -> [f64; 5] {
    let mut out = [0.0; 5];
    for (k, slot) in out.iter_mut().take(4).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&block[8 * k..8 * k + 8]);
        let v = f64::from_be_bytes(b);
        *slot = if v.is_finite() {
            v
        } else {
            FLOAT_EDGES[usize::from(block[k]) % FLOAT_EDGES.len()]
        };
    }
    out[4] = FLOAT_EDGES[usize::from(block[31]) % FLOAT_EDGES.len()];
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{order_events, OrderBase};

    fn events(shape: Shape, n: u32, bytes: usize) -> Vec<UnsignedEvent> {
        let base = OrderBase {
            tenant_id: uuid::Uuid::nil(),
            store_id: uuid::Uuid::nil(),
            agent_id: uuid::Uuid::nil(),
            agent_key_id: 1,
            created_at: "2025-01-01T00:00:00.000Z".into(),
        };
        let mut ev = order_events(&ContentSource::new(5, "default", "batch", 2), n, &base);
        shape_events(
            &mut ev,
            shape,
            &ContentSource::new(5, "default", "payload", 2),
            bytes,
        );
        ev
    }

    fn jcs_len(v: &Value) -> usize {
        crate::jcs::canonicalize(v).unwrap().len()
    }

    #[test]
    fn names_round_trip_and_old_names_say_where_they_went() {
        for name in SHAPE_NAMES {
            assert_eq!(name.parse::<Shape>().unwrap().name(), name);
        }
        let e = "edge".parse::<Shape>().unwrap_err();
        assert!(e.contains("unicode") && e.contains("floats"), "{e}");
        assert!("Large".parse::<Shape>().is_err());
    }

    #[test]
    fn sizes_follow_the_shape_and_payload_bytes() {
        let medium = &events(Shape::Medium, 1, 0)[0].payload;
        assert!((MEDIUM_BYTES - 8..=MEDIUM_BYTES).contains(&jcs_len(medium)));
        let large = &events(Shape::Large, 1, 0)[0].payload;
        let n = jcs_len(large);
        assert!((LARGE_BYTES - 8..=LARGE_BYTES).contains(&n), "{n}");
        assert!(serde_json::to_vec(large).unwrap().len() < crate::limits::MAX_PAYLOAD_BYTES);
        let padded = &events(Shape::Unicode, 1, 9000)[0].payload;
        assert!((9000 - 8..=9000).contains(&jcs_len(padded)));
        let small = &events(Shape::Small, 1, 0)[0].payload;
        assert_eq!(small.as_object().unwrap().len(), 2);
    }

    #[test]
    fn mixed_has_at_most_one_large_payload_first() {
        let ev = events(Shape::Mixed, 200, 0);
        let large: Vec<usize> = ev
            .iter()
            .enumerate()
            .filter(|(_, e)| jcs_len(&e.payload) > 100_000)
            .map(|(i, _)| i)
            .collect();
        assert!(large.is_empty() || large == [0], "{large:?}");
        for key in ["text", "readings", "tree", "pad"] {
            assert!(ev.iter().any(|e| e.payload.get(key).is_some()), "{key}");
        }
    }

    #[test]
    fn batch_bound_counts_the_one_large_payload_of_mixed() {
        assert!(batch_bytes_bound(Shape::Large, 0, 10) <= crate::limits::MAX_BODY_BYTES);
        assert!(batch_bytes_bound(Shape::Large, 0, 11) > crate::limits::MAX_BODY_BYTES);
        assert!(batch_bytes_bound(Shape::Mixed, 0, 1000) <= crate::limits::MAX_BODY_BYTES);
        assert!(batch_bytes_bound(Shape::Mixed, 10_000, 1000) > crate::limits::MAX_BODY_BYTES);
        for name in SHAPE_NAMES {
            let shape: Shape = name.parse().unwrap();
            let ev = events(shape, 30, 0);
            let body: usize = ev
                .into_iter()
                .map(|e| {
                    serde_json::to_vec(
                        &e.sign(&crate::sign::signing_key_from_seed(&[1; 32]))
                            .unwrap(),
                    )
                    .unwrap()
                    .len()
                })
                .sum();
            assert!(body <= batch_bytes_bound(shape, 0, 30), "{name}: {body}");
        }
    }

    #[test]
    fn every_shape_signs() {
        let key = crate::sign::signing_key_from_seed(&[4u8; 32]);
        for name in SHAPE_NAMES {
            for e in events(name.parse().unwrap(), 20, 0) {
                e.sign(&key).unwrap();
            }
        }
    }
}
