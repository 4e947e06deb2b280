//! `content` batches: the k6 library's seeded order events (js/content.js, with HOT_ENTITIES
//! and PAYLOAD applied as js/hot.js and js/payload.js do) made here from their slot, through
//! `ves_core::content` and `ves_core::shapes` (held equal to the JavaScript by the `content`
//! cases of `ves vectors`), instead of being built and serialized in k6. Building and
//! serializing 100 order events cost about 55 µs of k6 CPU per event (fields ~28 µs, the
//! request's JSON ~27 µs; `/tmp`-free measurement in docs/SIGNER.md), more than the rest of
//! k6's live path with `ves signer` together.

use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::content::{heat_entities, order_events, ContentSource, OrderBase};
use ves_core::shapes::{shape_events, Shape, MAX_SHAPE_BYTES};
use ves_core::spelling::{Spelling, SPELLING_PURPOSE};
use ves_core::UnsignedEvent;

/// Where a batch's content comes from: (seed, scenario, purpose, iteration) as in
/// js/content.js, and the fixed fields of the run.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentSpec {
    pub seed: u64,
    pub scenario: String,
    pub purpose: String,
    pub iteration: u64,
    pub count: usize,
    /// As the scenario writes them (echoed verbatim in the body, as the k6 library does).
    pub tenant_id: String,
    pub store_id: String,
    pub agent_key_id: u32,
    pub created_at: String,
    /// HOT_ENTITIES (0..1).
    #[serde(default)]
    pub hot: f64,
    /// PAYLOAD (a `ves presign --shape` name); `order` by default.
    #[serde(default)]
    pub shape: Option<String>,
    /// PAYLOAD_BYTES (0: the shape's own size).
    #[serde(default)]
    pub payload_bytes: usize,
    /// SPELLING: `canonical` (default) or `varied` (ves_core::spelling).
    #[serde(default)]
    pub spelling: Option<String>,
    /// The varied spelling's attempt: 0 for a first send, 1, 2, … for re-sends.
    #[serde(default)]
    pub attempt: u32,
}

/// The slot's varied spelling (its `spelling` source and the attempt), when it asks for one.
pub fn varied_spelling(spec: &ContentSpec) -> Option<(ContentSource, u32)> {
    (spec.spelling.as_deref() == Some("varied")).then(|| {
        (
            ContentSource::new(spec.seed, &spec.scenario, SPELLING_PURPOSE, spec.iteration),
            spec.attempt,
        )
    })
}

/// The event fields of a content batch, as the `events` form of the request would carry them.
/// Errors name the field.
pub fn fields(spec: &ContentSpec, agent_id: &str) -> Result<Vec<Value>, String> {
    let uuid = |name: &str, v: &str| {
        Uuid::parse_str(v)
            .map_err(|e| format!("content.{name}: expected a UUID, found {v:?} ({e})"))
    };
    let base = OrderBase {
        tenant_id: uuid("tenantId", &spec.tenant_id)?,
        store_id: uuid("storeId", &spec.store_id)?,
        agent_id: uuid("agentId", agent_id)?,
        agent_key_id: spec.agent_key_id,
        created_at: spec.created_at.clone(),
    };
    if !(0.0..=1.0).contains(&spec.hot) {
        return Err(format!(
            "content.hot: expected a share from 0 to 1, found {}",
            spec.hot
        ));
    }
    let shape: Shape = match &spec.shape {
        None => Shape::Order,
        Some(s) => s.parse().map_err(|e| format!("content.shape: {e}"))?,
    };
    if spec.payload_bytes > MAX_SHAPE_BYTES {
        return Err(format!(
            "content.payloadBytes: at most {MAX_SHAPE_BYTES}, found {}",
            spec.payload_bytes
        ));
    }
    if let Some(s) = &spec.spelling {
        s.parse::<Spelling>()
            .map_err(|e| format!("content.spelling: {e}"))?;
    }
    let count = u32::try_from(spec.count).map_err(|_| "content.count: too large".to_string())?;
    let slot =
        |purpose: &str| ContentSource::new(spec.seed, &spec.scenario, purpose, spec.iteration);
    let mut events = order_events(&slot(&spec.purpose), count, &base);
    // The order of js/scenario.js's ingestBatch: hot entities, then the payload shape.
    heat_entities(&mut events, spec.hot, &slot("hot"));
    if shape != Shape::Order || spec.payload_bytes > 0 {
        shape_events(&mut events, shape, &slot("payload"), spec.payload_bytes);
    }
    Ok(events
        .into_iter()
        .map(|e| to_fields(e, spec, agent_id))
        .collect())
}

fn to_fields(e: UnsignedEvent, spec: &ContentSpec, agent_id: &str) -> Value {
    json!({
        "event_id": e.event_id.to_string(),
        "tenant_id": spec.tenant_id,
        "store_id": spec.store_id,
        "source_agent_id": agent_id,
        "agent_key_id": e.agent_key_id,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "event_type": e.event_type,
        "created_at": e.created_at,
        "payload": e.payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(hot: f64, shape: Option<&str>) -> ContentSpec {
        ContentSpec {
            seed: 7,
            scenario: "default".into(),
            purpose: "batch".into(),
            iteration: 3,
            count: 50,
            tenant_id: "00000000-0000-0000-0000-000000000001".into(),
            store_id: "00000000-0000-0000-0000-000000000002".into(),
            agent_key_id: 9,
            created_at: "2025-01-01T00:00:00.000Z".into(),
            hot,
            shape: shape.map(String::from),
            payload_bytes: 0,
            spelling: None,
            attempt: 0,
        }
    }

    const AGENT: &str = "00000000-0000-0000-0000-000000000003";

    #[test]
    fn same_slot_same_fields_and_ids_from_the_seed() {
        let a = fields(&spec(0.0, None), AGENT).unwrap();
        assert_eq!(a, fields(&spec(0.0, None), AGENT).unwrap());
        assert_eq!(a.len(), 50);
        let first = ContentSource::new(7, "default", "batch", 3).block(0, 0);
        assert_eq!(
            a[0]["event_id"],
            ves_core::content::block_uuid(&first, 0).to_string()
        );
        assert_eq!(a[0]["source_agent_id"], AGENT);
    }

    #[test]
    fn hot_moves_a_share_to_three_entities() {
        let hot = fields(&spec(1.0, None), AGENT).unwrap();
        for f in &hot {
            let id = f["entity_id"].as_str().unwrap();
            assert!(
                ["order-000000", "order-000001", "order-000002"].contains(&id),
                "{id}"
            );
            assert_eq!(f["payload"]["order_id"], id);
        }
        let none = fields(&spec(0.0, None), AGENT).unwrap();
        assert!(none
            .iter()
            .any(|f| !f["entity_id"].as_str().unwrap().starts_with("order-00000")));
    }

    #[test]
    fn bad_specs_name_the_field() {
        let mut s = spec(0.0, Some("edge"));
        assert!(fields(&s, AGENT).unwrap_err().contains("content.shape"));
        s.shape = None;
        s.hot = 2.0;
        assert!(fields(&s, AGENT).unwrap_err().contains("content.hot"));
        s.hot = 0.0;
        s.spelling = Some("loose".into());
        assert!(fields(&s, AGENT).unwrap_err().contains("content.spelling"));
        s.spelling = Some("varied".into());
        assert!(varied_spelling(&s).is_some());
        s.tenant_id = "nope".into();
        assert!(fields(&s, AGENT).unwrap_err().contains("content.tenantId"));
    }
}
