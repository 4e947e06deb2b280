//! Building and signing envelopes and ingest bodies with the core's `UnsignedEvent::sign`, then
//! the core's own checks (field lengths, RFC 3339 `created_at`, no U+0000), so that an event
//! that the sequencer would refuse is an error here rather than a rejected batch there.

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;
use ves_core::sign::SigningKey;
use ves_core::{EventEnvelope, IngestRequest, UnsignedEvent};

use crate::error::{from_json, Error, Result};

/// The fields of one event, as `js/event.js` takes them (`EventFields`).
#[derive(Debug, Deserialize)]
pub struct EventFields {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub source_agent_id: Uuid,
    pub agent_key_id: u32,
    pub entity_type: String,
    pub entity_id: String,
    pub event_type: String,
    /// `null` counts as absent, as on the server.
    #[serde(default)]
    pub payload: Option<Value>,
    #[serde(default)]
    pub event_id: Option<Uuid>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Where event ids and default timestamps come from (the browser/Node clock and RNG in wasm).
pub trait Environment {
    /// 16 random bytes per event.
    fn random(&mut self, out: &mut [u8]) -> Result<()>;
    /// Now as RFC 3339 with milliseconds (what `new Date().toISOString()` gives).
    fn now(&mut self) -> String;
}

/// Signs a list of events given as JSON text (an array of `EventFields`).
pub fn build_events(
    key: &SigningKey,
    fields_json: &str,
    env: &mut impl Environment,
) -> Result<Vec<EventEnvelope>> {
    let fields: Vec<EventFields> = from_json(fields_json, "event fields")?;
    let mut random = vec![0u8; 16 * fields.len()];
    if fields.iter().any(|f| f.event_id.is_none()) {
        env.random(&mut random)?;
    }
    let mut now: Option<String> = None;
    fields
        .into_iter()
        .enumerate()
        .map(|(i, mut f)| {
            let created_at = match f.created_at.take() {
                Some(c) => c,
                None => now.get_or_insert_with(|| env.now()).clone(),
            };
            let event_id = f.event_id.unwrap_or_else(|| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&random[16 * i..16 * i + 16]);
                uuid::Builder::from_random_bytes(b).into_uuid()
            });
            sign_fields(key, f, event_id, created_at).map_err(|e| e.at(format!("fields[{i}]")))
        })
        .collect()
}

fn sign_fields(
    key: &SigningKey,
    f: EventFields,
    event_id: Uuid,
    created_at: String,
) -> Result<EventEnvelope> {
    let payload = f.payload.ok_or_else(|| {
        ves_core::Error::Payload("a plaintext event (payload_kind 0) needs a payload".into())
    })?;
    let env = UnsignedEvent {
        event_id,
        tenant_id: f.tenant_id,
        store_id: f.store_id,
        source_agent_id: f.source_agent_id,
        agent_key_id: f.agent_key_id,
        entity_type: f.entity_type,
        entity_id: f.entity_id,
        event_type: f.event_type,
        created_at,
        payload,
    }
    .sign(key)?;
    env.check_field_lengths()?;
    env.check_created_at()?;
    env.check_no_nul()?;
    Ok(env)
}

/// Builds, signs and serializes a batch: the ingest body `{"agentId":…,"events":[…]}`.
pub fn build_batch(
    key: &SigningKey,
    agent_id: &str,
    fields_json: &str,
    env: &mut impl Environment,
) -> Result<String> {
    let agent_id = crate::input::uuid(agent_id, "agentId")?;
    let events = build_events(key, fields_json, env)?;
    for (i, e) in events.iter().enumerate() {
        if e.source_agent_id != agent_id {
            return Err(Error::Input(format!(
                "fields[{i}].source_agent_id must equal agentId {agent_id} (the sequencer answers 400 otherwise), found {}",
                e.source_agent_id
            )));
        }
    }
    ingest_request_json(IngestRequest { agent_id, events })
}

/// The ingest body for envelopes given as JSON text, after the core's batch-size check.
pub fn ingest_body(agent_id: &str, events_json: &str) -> Result<String> {
    let agent_id = crate::input::uuid(agent_id, "agentId")?;
    let events: Vec<EventEnvelope> = from_json(events_json, "events")?;
    ingest_request_json(IngestRequest { agent_id, events })
}

fn ingest_request_json(req: IngestRequest) -> Result<String> {
    req.check_size()?;
    serde_json::to_string(&req).map_err(|e| Error::Input(format!("ingest body: {e}")))
}

/// Re-signs an envelope as it is (after a deliberate change); the payload hash is kept.
pub fn sign_event(key: &SigningKey, envelope_json: &str) -> Result<EventEnvelope> {
    let mut env: EventEnvelope = from_json(envelope_json, "envelope")?;
    env.agent_signature = ves_core::sign::sign_hash(key, &env.signing_hash());
    Ok(env)
}

/// An envelope from JSON text (for the hash functions that take one).
pub fn envelope(json: &str) -> Result<EventEnvelope> {
    from_json(json, "envelope")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Environment for Fixed {
        fn random(&mut self, out: &mut [u8]) -> Result<()> {
            out.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
            Ok(())
        }
        fn now(&mut self) -> String {
            "2025-01-01T00:00:00.000Z".into()
        }
    }

    const AGENT: &str = "33333333-3333-4333-8333-333333333333";

    fn fields(extra: &str) -> String {
        format!(
            r#"[{{"tenant_id":"11111111-1111-4111-8111-111111111111","store_id":"22222222-2222-4222-8222-222222222222",
            "source_agent_id":"{AGENT}","agent_key_id":1,"entity_type":"order","entity_id":"o-1",
            "event_type":"order.created","payload":{{"total":1}}{extra}}}]"#
        )
    }

    #[test]
    fn a_batch_verifies_and_uses_v4_ids_and_the_clock() {
        let key = ves_core::sign::signing_key_from_seed(&[1u8; 32]);
        let body = build_batch(&key, AGENT, &fields(""), &mut Fixed).unwrap();
        let req: IngestRequest = serde_json::from_str(&body).unwrap();
        let e = &req.events[0];
        e.verify_signature(&key.verifying_key()).unwrap();
        assert_eq!(e.event_id.get_version_num(), 4);
        assert_eq!(e.created_at, "2025-01-01T00:00:00.000Z");
    }

    #[test]
    fn core_checks_are_errors_with_the_core_message_and_the_index() {
        let key = ves_core::sign::signing_key_from_seed(&[1u8; 32]);
        let long = format!(r#","entity_type":"{}""#, "x".repeat(129));
        let text = fields(&long).replacen(r#""entity_type":"order","#, "", 1);
        let e = build_events(&key, &text, &mut Fixed)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "fields[0]: entity_type: expected 1..=128 bytes of UTF-8, found 129 bytes"
        );
        let text = fields("").replace(r#""payload":{"total":1}"#, r#""payload":null"#);
        let e = build_events(&key, &text, &mut Fixed)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "fields[0]: payload: a plaintext event (payload_kind 0) needs a payload"
        );
        let e = build_batch(&key, AGENT, "[]", &mut Fixed)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "events: expected at least one event, found an empty batch"
        );
        let other = "44444444-4444-4444-8444-444444444444";
        let e = build_batch(&key, other, &fields(""), &mut Fixed).unwrap_err();
        assert!(e.to_string().contains("must equal agentId"), "{e}");
    }
}
