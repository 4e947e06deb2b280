//! Seeded content, the mirror of the k6 library's `js/content.js`: what a k6 scenario sends
//! with `SEED=n` is a function of (seed, scenario, purpose, iteration, index), never of the VU,
//! and `ves presign --seed n` makes the same order events for the same inputs. Held equal by
//! the `content` cases of `ves vectors`.
//!
//! Every choice comes from a 32-byte block:
//!
//! ```text
//! block = SHA-256("ves-k6/content/v1" || u64be(seed) || u32be(len) || scenario ||
//!                 u32be(len) || purpose || u64be(iteration) || u32be(index) || u32be(counter))
//! ```
//!
//! An order event `i` takes block `(i, 0)`: bytes 0..16 the event id (version 4), 16..20 the
//! entity (u32 mod [`ENTITIES_PER_STREAM`]), 20 the status (mod 4), 21 the number of line
//! items (1 + mod 3).
//!
//! ```
//! use ves_core::content::{order_events, ContentSource, OrderBase};
//! let base = OrderBase {
//!     tenant_id: uuid::Uuid::nil(), store_id: uuid::Uuid::nil(), agent_id: uuid::Uuid::nil(),
//!     agent_key_id: 1, created_at: "2025-01-01T00:00:00.000Z".into(),
//! };
//! let a = order_events(&ContentSource::new(7, "default", "batch", 3), 2, &base);
//! let b = order_events(&ContentSource::new(7, "default", "batch", 3), 2, &base);
//! assert_eq!(a, b);
//! assert_eq!(a[0].event_id.get_version_num(), 4);
//! ```

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::envelope::UnsignedEvent;

/// Domain prefix of content blocks.
pub const CONTENT_DOMAIN: &[u8] = b"ves-k6/content/v1";
/// Entity ids per stream that order events use.
pub const ENTITIES_PER_STREAM: u32 = 100;
/// Order statuses, chosen by block byte 20.
pub const ORDER_STATUSES: [&str; 4] = ["created", "paid", "shipped", "delivered"];

/// The blocks of one (seed, scenario, purpose, iteration).
#[derive(Debug, Clone)]
pub struct ContentSource {
    prefix: Vec<u8>,
}

impl ContentSource {
    pub fn new(seed: u64, scenario: &str, purpose: &str, iteration: u64) -> Self {
        let mut prefix =
            Vec::with_capacity(CONTENT_DOMAIN.len() + 24 + scenario.len() + purpose.len());
        prefix.extend_from_slice(CONTENT_DOMAIN);
        prefix.extend_from_slice(&seed.to_be_bytes());
        for s in [scenario, purpose] {
            // Strings longer than u32::MAX bytes cannot occur in practice; saturate rather than wrap.
            let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
            prefix.extend_from_slice(&len.to_be_bytes());
            prefix.extend_from_slice(s.as_bytes());
        }
        prefix.extend_from_slice(&iteration.to_be_bytes());
        ContentSource { prefix }
    }

    /// Block `counter` of event `index`.
    pub fn block(&self, index: u32, counter: u32) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.prefix);
        h.update(index.to_be_bytes());
        h.update(counter.to_be_bytes());
        h.finalize().into()
    }
}

/// Big-endian u32 of block bytes `[offset, offset + 4)`.
pub fn block_u32(block: &[u8; 32], offset: usize) -> u32 {
    u32::from_be_bytes([
        block[offset],
        block[offset + 1],
        block[offset + 2],
        block[offset + 3],
    ])
}

/// A version-4 UUID from block bytes `[offset, offset + 16)`.
pub fn block_uuid(block: &[u8; 32], offset: usize) -> Uuid {
    let mut b = [0u8; 16];
    b.copy_from_slice(&block[offset..offset + 16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

/// The fixed fields of a run's order events.
#[derive(Debug, Clone)]
pub struct OrderBase {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub agent_id: Uuid,
    pub agent_key_id: u32,
    pub created_at: String,
}

/// `order-000042`.
pub fn order_entity_id(entity: u32) -> String {
    format!("order-{entity:06}")
}

/// `count` order events of one content source (see the module docs): sku
/// `SKU-<(entity*7+k) mod 1000>`, qty 1+k, price_cents 199+100k, total_cents the sum of
/// qty x price, currency USD, note "café ✓".
pub fn order_events(source: &ContentSource, count: u32, base: &OrderBase) -> Vec<UnsignedEvent> {
    (0..count)
        .map(|i| {
            let b = source.block(i, 0);
            let entity = block_u32(&b, 16) % ENTITIES_PER_STREAM;
            let status = ORDER_STATUSES[usize::from(b[20]) % ORDER_STATUSES.len()];
            let lines = 1 + u64::from(b[21] % 3);
            let items: Vec<Value> = (0..lines)
                .map(|k| {
                    json!({
                        "sku": format!("SKU-{}", (u64::from(entity) * 7 + k) % 1000),
                        "qty": 1 + k,
                        "price_cents": 199 + 100 * k,
                    })
                })
                .collect();
            let total: u64 = (0..lines).map(|k| (1 + k) * (199 + 100 * k)).sum();
            let id = order_entity_id(entity);
            UnsignedEvent {
                event_id: block_uuid(&b, 0),
                tenant_id: base.tenant_id,
                store_id: base.store_id,
                source_agent_id: base.agent_id,
                agent_key_id: base.agent_key_id,
                entity_type: "order".into(),
                entity_id: id.clone(),
                event_type: format!("order.{status}"),
                created_at: base.created_at.clone(),
                payload: json!({
                    "order_id": id,
                    "status": status,
                    "items": items,
                    "total_cents": total,
                    "currency": "USD",
                    "note": "café ✓",
                }),
            }
        })
        .collect()
}

/// How many entity ids are hot (`HOT_ENTITIES`, js/hot.js).
pub const HOT_ENTITY_COUNT: u8 = 3;

/// The chance in block bytes `offset..offset+4`: u32 big-endian / 2^32, in [0, 1).
pub fn block_chance(block: &[u8; 32], offset: usize) -> f64 {
    f64::from(block_u32(block, offset)) / 4_294_967_296.0
}

/// `HOT_ENTITIES` (js/hot.js `heatEntities`): event `i` moves to a hot entity when the chance
/// in bytes 0..4 of block `(i, 0)` of `hot_source` (the `hot` purpose) is below `rate`; byte 4
/// picks which. Its entity id and the payload's `order_id` change. Returns how many moved.
pub fn heat_entities(events: &mut [UnsignedEvent], rate: f64, hot_source: &ContentSource) -> usize {
    if rate.is_nan() || rate <= 0.0 {
        return 0;
    }
    let mut moved = 0;
    for (i, e) in events.iter_mut().enumerate() {
        let b = hot_source.block(u32::try_from(i).unwrap_or(u32::MAX), 0);
        if block_chance(&b, 0) >= rate {
            continue;
        }
        let id = order_entity_id(u32::from(b[4] % HOT_ENTITY_COUNT));
        if let Value::Object(map) = &mut e.payload {
            map.insert("order_id".into(), Value::String(id.clone()));
        }
        e.entity_id = id;
        moved += 1;
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> OrderBase {
        OrderBase {
            tenant_id: Uuid::nil(),
            store_id: Uuid::nil(),
            agent_id: Uuid::nil(),
            agent_key_id: 1,
            created_at: "2025-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn every_input_changes_the_block() {
        let b = ContentSource::new(1, "default", "batch", 0).block(0, 0);
        for other in [
            ContentSource::new(2, "default", "batch", 0).block(0, 0),
            ContentSource::new(1, "defaulT", "batch", 0).block(0, 0),
            ContentSource::new(1, "default", "probe", 0).block(0, 0),
            ContentSource::new(1, "default", "batch", 1).block(0, 0),
            ContentSource::new(1, "default", "batch", 0).block(1, 0),
            ContentSource::new(1, "default", "batch", 0).block(0, 1),
            // The length prefixes keep ("ab", "c") apart from ("a", "bc").
            ContentSource::new(1, "defaultb", "atch", 0).block(0, 0),
        ] {
            assert_ne!(b, other);
        }
    }

    #[test]
    fn order_events_sign_and_stay_in_range() {
        let key = crate::sign::signing_key_from_seed(&[3u8; 32]);
        let events = order_events(&ContentSource::new(9, "default", "batch", 4), 50, &base());
        for e in events {
            let entity: u32 = e.entity_id[6..].parse().unwrap();
            assert!(entity < ENTITIES_PER_STREAM);
            let env = e.sign(&key).unwrap();
            env.verify_signature(&key.verifying_key()).unwrap();
        }
    }
}
