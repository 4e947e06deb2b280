//! One signed batch: the fields a scenario chose, checked event by event, turned into the exact
//! ingest body the sequencer takes, plus what the k6 side keeps (event ids, signing hashes,
//! signatures) so that it never parses the body again.
//!
//! The body is spelled as ves_core::spelling says, the way the k6 library's `buildBatch` writes
//! it (js/event.js, js/spelling.js): by default the canonical spelling (the envelope's keys in the
//! library's order, the payload as its RFC 8785 text, ASCII with `\u` escapes), or for a content
//! slot a varied one. tests/k6/signer_identity.test.js and tests/e2e/test_body_identity.py hold
//! both sides to the same bytes.

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;
use ves_core::content::ContentSource;
use ves_core::sign::SigningKey;
use ves_core::spelling::{canonical_body, varied_body, BodyEvent};
use ves_core::{hash, hexfmt, limits, sign, EventEnvelope, PayloadKind, ZERO_HASH};

/// Fields an event may carry; any other key is a mistake worth naming.
const KNOWN_FIELDS: [&str; 12] = [
    "event_id",
    "tenant_id",
    "store_id",
    "source_agent_id",
    "agent_key_id",
    "entity_type",
    "entity_id",
    "event_type",
    "created_at",
    "payload",
    "command_id",
    "base_version",
];

/// At most this many per-event problems are listed in one answer.
pub const MAX_LISTED_ERRORS: usize = 50;

/// A problem with one field of one event.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventError {
    /// Index in the request's `events` array.
    pub event: usize,
    pub field: String,
    pub message: String,
}

/// What the k6 side needs besides the body. Per-event values are concatenated into one string
/// each (fixed widths: 36, 64 and 128 characters), which k6 parses far faster than arrays of
/// short strings.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchMeta {
    pub events: usize,
    pub body_bytes: usize,
    /// The event ids as written in the body, 36 characters each.
    pub event_ids: String,
    /// Bare lowercase hex, 64 characters each.
    pub signing_hashes: String,
    /// Bare lowercase hex, 128 characters each.
    pub signatures: String,
    /// Base64 (standard, padded) of `event_id (16 bytes) || signing hash (32 bytes)` per event:
    /// the receipt check takes its preimage bytes from here (one native decode per batch in
    /// k6) instead of parsing hex per event.
    pub receipt_parts: String,
    /// With `"check"` in the request: the handle under which the signer keeps this batch to
    /// check the sequencer's answer to it (POST /v1/check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

pub struct SignedBatch {
    pub meta: BatchMeta,
    pub body: String,
    /// `event_id (16 bytes) || signing hash (32 bytes)` per event (what `receipt_parts` encodes):
    /// what the answer check keeps (pending.rs).
    pub parts: Vec<u8>,
}

/// Checks and signs every event; all problems are reported, not only the first. The body is in
/// the canonical spelling, or with `varied` (the slot's `spelling` source and the attempt) in the
/// varied one.
pub fn sign_batch(
    key: &SigningKey,
    agent_id: &str,
    events: Vec<Value>,
    now: &str,
    varied: Option<(&ContentSource, u32)>,
) -> Result<SignedBatch, Vec<EventError>> {
    let n = events.len();
    let mut random = vec![0u8; 16 * n];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut random);
    let mut errors = Vec::new();
    let mut meta = BatchMeta {
        events: n,
        body_bytes: 0,
        event_ids: String::with_capacity(36 * n),
        signing_hashes: String::with_capacity(64 * n),
        signatures: String::with_capacity(128 * n),
        receipt_parts: String::new(),
        handle: None,
    };
    let mut parts = Vec::with_capacity(48 * n);
    let mut signed = Vec::with_capacity(n);
    for (i, value) in events.into_iter().enumerate() {
        let mut chunk = [0u8; 16];
        chunk.copy_from_slice(&random[16 * i..16 * i + 16]);
        let fields = match Fields::take(i, value, agent_id, now, chunk) {
            Ok(f) => f,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        if !errors.is_empty() {
            continue; // keep checking, stop building
        }
        signed.push(sign_event(&mut meta, &mut parts, key, fields));
    }
    if !errors.is_empty() {
        errors.truncate(MAX_LISTED_ERRORS);
        return Err(errors);
    }
    let body_events: Vec<BodyEvent<'_>> = signed.iter().map(Signed::body_event).collect();
    let body = match varied {
        None => canonical_body(agent_id, &body_events),
        Some((source, attempt)) => varied_body(agent_id, &body_events, source, attempt),
    };
    meta.body_bytes = body.len();
    meta.receipt_parts = base64::engine::general_purpose::STANDARD.encode(&parts);
    Ok(SignedBatch { meta, body, parts })
}

/// The checked fields of one event, ids kept as sent (the body echoes them verbatim, as the
/// k6 library does).
struct Fields {
    env: EventEnvelope,
    ids: [String; 4], // event, tenant, store, source agent: as sent
    payload: Value,
    payload_jcs: String,
    command_id: Option<String>,
}

impl Fields {
    fn take(
        i: usize,
        value: Value,
        agent_id: &str,
        now: &str,
        random: [u8; 16],
    ) -> Result<Fields, Vec<EventError>> {
        let mut c = Check {
            event: i,
            errors: Vec::new(),
        };
        let Value::Object(mut map) = value else {
            c.err(
                "",
                format!(
                    "expected an object of event fields, found {}",
                    crate::json::describe(Some(&value))
                ),
            );
            return Err(c.errors);
        };
        let unknown: Vec<String> = map
            .keys()
            .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            c.err(
                &k,
                format!("unknown field; expected only {}", KNOWN_FIELDS.join(", ")),
            );
        }
        let new_id = uuid::Builder::from_random_bytes(random)
            .into_uuid()
            .to_string();
        let event_id = c.uuid(map.remove("event_id"), "event_id", Some(new_id));
        let tenant_id = c.uuid(map.remove("tenant_id"), "tenant_id", None);
        let store_id = c.uuid(map.remove("store_id"), "store_id", None);
        let source_agent_id = c.uuid(
            map.remove("source_agent_id"),
            "source_agent_id",
            Some(agent_id.to_string()),
        );
        let command_id = match map.remove("command_id") {
            None | Some(Value::Null) => None,
            other => c.uuid(other, "command_id", None),
        };
        if let Some(s) = &source_agent_id {
            if !s.eq_ignore_ascii_case(agent_id) {
                c.err(
                    "source_agent_id",
                    format!("must equal the request's agentId {agent_id} (the sequencer answers 400 otherwise), found {s}"),
                );
            }
        }
        let agent_key_id = match map.remove("agent_key_id") {
            Some(Value::Number(n)) if n.as_u64().is_some_and(|v| v <= u64::from(u32::MAX)) => {
                n.as_u64().map(|v| v as u32)
            }
            other => c.wrong("agent_key_id", "an integer from 0 to 4294967295", other),
        };
        let base_version = match map.remove("base_version") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            other => c.wrong("base_version", "a non-negative integer", other),
        };
        let entity_type = c.string(
            map.remove("entity_type"),
            "entity_type",
            limits::ENTITY_TYPE_MAX_BYTES,
        );
        let entity_id = c.string(
            map.remove("entity_id"),
            "entity_id",
            limits::ENTITY_ID_MAX_BYTES,
        );
        let event_type = c.string(
            map.remove("event_type"),
            "event_type",
            limits::EVENT_TYPE_MAX_BYTES,
        );
        let created_at = match map.remove("created_at") {
            None => Some(now.to_string()),
            Some(Value::String(s)) => match ves_core::time::check_rfc3339(&s) {
                Ok(()) => Some(s),
                Err(e) => {
                    c.err("created_at", e.to_string());
                    None
                }
            },
            other => c.wrong("created_at", "an RFC 3339 string (signed verbatim)", other),
        };
        let payload = match map.remove("payload") {
            None | Some(Value::Null) => {
                c.err("payload", "expected a JSON value (plaintext events need a payload; null counts as absent), found nothing".into());
                None
            }
            Some(p) => match payload_text(&p) {
                Ok(text) => Some((p, text)),
                Err(message) => {
                    c.err("payload", message);
                    None
                }
            },
        };
        let (
            Some(event_id),
            Some(tenant_id),
            Some(store_id),
            Some(source_agent_id),
            Some(agent_key_id),
            Some(entity_type),
            Some(entity_id),
            Some(event_type),
            Some(created_at),
            Some((payload, payload_jcs)),
        ) = (
            event_id,
            tenant_id,
            store_id,
            source_agent_id,
            agent_key_id,
            entity_type,
            entity_id,
            event_type,
            created_at,
            payload,
        )
        else {
            return Err(c.errors);
        };
        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        // All four were checked by is_hyphenated_uuid.
        let parse = |s: &str| Uuid::parse_str(s).unwrap_or_default();
        let env = EventEnvelope {
            ves_version: 1,
            event_id: parse(&event_id),
            tenant_id: parse(&tenant_id),
            store_id: parse(&store_id),
            source_agent_id: parse(&source_agent_id),
            agent_key_id,
            entity_type,
            entity_id,
            event_type,
            created_at,
            payload_kind: PayloadKind::Plaintext,
            payload: None,
            payload_encrypted: None,
            payload_plain_hash: hash::payload_plain_hash_from_jcs(&payload_jcs),
            payload_cipher_hash: ZERO_HASH,
            agent_signature: [0u8; 64],
            command_id: None,
            base_version,
        };
        Ok(Fields {
            env,
            ids: [event_id, tenant_id, store_id, source_agent_id],
            payload,
            payload_jcs,
            command_id,
        })
    }
}

/// Collects the problems of one event.
struct Check {
    event: usize,
    errors: Vec<EventError>,
}

impl Check {
    fn err(&mut self, field: &str, message: String) {
        self.errors.push(EventError {
            event: self.event,
            field: field.to_string(),
            message,
        });
    }

    fn wrong<T>(&mut self, field: &str, expected: &str, found: Option<Value>) -> Option<T> {
        self.err(
            field,
            format!(
                "expected {expected}, found {}",
                crate::json::describe(found.as_ref())
            ),
        );
        None
    }

    fn uuid(&mut self, v: Option<Value>, name: &str, default: Option<String>) -> Option<String> {
        match v {
            None | Some(Value::Null) if default.is_some() => default,
            Some(Value::String(s)) if is_hyphenated_uuid(&s) => Some(s),
            other => self.wrong(
                name,
                "a UUID like 00000000-0000-0000-0000-000000000000",
                other,
            ),
        }
    }

    fn string(&mut self, v: Option<Value>, name: &str, max: usize) -> Option<String> {
        match v {
            Some(Value::String(s)) if s.contains('\0') => {
                self.err(name, "contains U+0000, which the sequencer refuses".into());
                None
            }
            Some(Value::String(s)) if !s.is_empty() && s.len() <= max => Some(s),
            Some(Value::String(s)) => {
                self.err(name, format!("expected 1 to {max} UTF-8 bytes (the sequencer rejects the whole batch otherwise), found {} bytes", s.len()));
                None
            }
            other => self.wrong(name, "a string", other),
        }
    }
}

/// The payload's RFC 8785 text, with the sequencer's rules: no U+0000, at most 1 MiB.
fn payload_text(payload: &Value) -> Result<String, String> {
    ves_core::jcs::check_no_nul(payload, "payload").map_err(|e| e.to_string())?;
    let text = ves_core::jcs::canonicalize(payload).map_err(|e| e.to_string())?;
    if text.len() > limits::MAX_PAYLOAD_BYTES {
        return Err(format!(
            "expected at most {} bytes of canonical JSON (the sequencer's per-payload limit), found {}",
            limits::MAX_PAYLOAD_BYTES,
            text.len()
        ));
    }
    Ok(text)
}

/// The form the k6 library and the sequencer's examples use: 8-4-4-4-12 hex digits.
fn is_hyphenated_uuid(s: &str) -> bool {
    s.len() == 36 && Uuid::parse_str(s).is_ok()
}

/// A signed event and the texts its body needs.
struct Signed {
    fields: Fields,
    plain: String,
    signature: String,
}

impl Signed {
    fn body_event(&self) -> BodyEvent<'_> {
        let f = &self.fields;
        BodyEvent {
            event_id: &f.ids[0],
            tenant_id: &f.ids[1],
            store_id: &f.ids[2],
            source_agent_id: &f.ids[3],
            agent_key_id: f.env.agent_key_id,
            entity_type: &f.env.entity_type,
            entity_id: &f.env.entity_id,
            event_type: &f.env.event_type,
            created_at: &f.env.created_at,
            payload: &f.payload,
            payload_jcs: &f.payload_jcs,
            payload_plain_hash_hex: &self.plain,
            agent_signature_hex: &self.signature,
            command_id: f.command_id.as_deref(),
            base_version: f.env.base_version,
        }
    }
}

/// Signs one event and records what the k6 side keeps of it.
fn sign_event(
    meta: &mut BatchMeta,
    parts: &mut Vec<u8>,
    key: &SigningKey,
    mut fields: Fields,
) -> Signed {
    let signing_hash = fields.env.signing_hash();
    fields.env.agent_signature = sign::sign_hash(key, &signing_hash);
    let plain = hexfmt::encode(&fields.env.payload_plain_hash);
    let signature = hexfmt::encode(&fields.env.agent_signature);
    parts.extend_from_slice(fields.env.event_id.as_bytes());
    parts.extend_from_slice(&signing_hash);
    meta.event_ids.push_str(&fields.ids[0]);
    meta.signing_hashes.push_str(&hexfmt::encode(&signing_hash));
    meta.signatures.push_str(&signature);
    Signed {
        fields,
        plain,
        signature,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NIL: &str = "00000000-0000-0000-0000-000000000000";

    fn fields() -> Value {
        json!({"tenant_id": NIL, "store_id": NIL, "source_agent_id": NIL, "agent_key_id": 1,
               "entity_type": "order", "entity_id": "o-1", "event_type": "order.created",
               "created_at": "2025-01-01T00:00:00.000Z", "payload": {"b": 1.0, "a": "café"},
               "event_id": "11111111-1111-4111-8111-111111111111"})
    }

    #[test]
    fn body_parses_as_an_ingest_request_that_verifies() {
        let key = sign::signing_key_from_seed(&[3u8; 32]);
        let out = sign_batch(&key, NIL, vec![fields(), fields()], "x", None).unwrap();
        let req: ves_core::IngestRequest = serde_json::from_str(&out.body).unwrap();
        assert_eq!(req.events.len(), 2);
        for (i, e) in req.events.iter().enumerate() {
            e.verify_signature(&key.verifying_key()).unwrap();
            assert_eq!(
                e.compute_payload_plain_hash().unwrap(),
                e.payload_plain_hash
            );
            assert_eq!(
                out.meta.signing_hashes[64 * i..64 * i + 64],
                hexfmt::encode(&e.signing_hash())
            );
            assert_eq!(
                out.meta.signatures[128 * i..128 * i + 128],
                hexfmt::encode(&e.agent_signature)
            );
        }
        use base64::Engine as _;
        let parts = base64::engine::general_purpose::STANDARD
            .decode(&out.meta.receipt_parts)
            .unwrap();
        assert_eq!(parts.len(), 96);
        assert_eq!(&parts[48..64], req.events[1].event_id.as_bytes());
        assert_eq!(&parts[64..96], &req.events[1].signing_hash());
        assert!(
            out.body.contains(r#""payload":{"a":"caf\u00e9","b":1}"#),
            "{}",
            out.body
        );
        assert_eq!(out.meta.body_bytes, out.body.len());
    }

    #[test]
    fn bodies_are_ascii_and_a_varied_one_holds_the_same_values() {
        let key = sign::signing_key_from_seed(&[3u8; 32]);
        let mut f = fields();
        f["entity_id"] = json!("ß😀");
        let out = sign_batch(&key, NIL, vec![f.clone()], "x", None).unwrap();
        assert!(out.body.is_ascii());
        assert!(out.body.contains(r"\u00df\ud83d\ude00"), "{}", out.body);
        let source = ContentSource::new(1, "default", "spelling", 0);
        let varied = sign_batch(&key, NIL, vec![f], "x", Some((&source, 0))).unwrap();
        assert_ne!(varied.body, out.body);
        assert_eq!(varied.meta.signatures, out.meta.signatures);
        let a: ves_core::IngestRequest = serde_json::from_str(&out.body).unwrap();
        let b: ves_core::IngestRequest = serde_json::from_str(&varied.body).unwrap();
        assert_eq!(a.events[0].signing_hash(), b.events[0].signing_hash());
        assert_eq!(
            a.events[0].payload_jcs().unwrap(),
            b.events[0].payload_jcs().unwrap()
        );
    }

    #[test]
    fn defaults_fill_event_id_created_at_and_source_agent() {
        let key = sign::signing_key_from_seed(&[3u8; 32]);
        let mut f = fields();
        let m = f.as_object_mut().unwrap();
        m.remove("event_id");
        m.remove("created_at");
        m.remove("source_agent_id");
        let out = sign_batch(&key, NIL, vec![f], "2025-02-02T00:00:00.000Z", None).unwrap();
        let req: ves_core::IngestRequest = serde_json::from_str(&out.body).unwrap();
        assert_eq!(req.events[0].created_at, "2025-02-02T00:00:00.000Z");
        assert_eq!(req.events[0].event_id.get_version_num(), 4);
        assert_eq!(out.meta.event_ids, req.events[0].event_id.to_string());
    }

    #[test]
    fn every_problem_names_its_event_and_field() {
        let key = sign::signing_key_from_seed(&[3u8; 32]);
        let mut bad = fields();
        bad["created_at"] = json!("2025-01-01 noon");
        bad["entity_type"] = json!("");
        bad["colour"] = json!(1);
        let mut other = fields();
        other["source_agent_id"] = json!("22222222-2222-2222-2222-222222222222");
        let errors = sign_batch(&key, NIL, vec![fields(), bad, json!(3), other], "x", None)
            .err()
            .unwrap();
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.event, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, "colour"),
                (1, "entity_type"),
                (1, "created_at"),
                (2, ""),
                (3, "source_agent_id")
            ]
        );
        assert!(
            errors[1].message.contains("found 0 bytes"),
            "{:?}",
            errors[1]
        );
    }

    #[test]
    fn command_id_and_base_version_travel_unsigned() {
        let key = sign::signing_key_from_seed(&[3u8; 32]);
        let mut f = fields();
        f["command_id"] = json!("33333333-3333-4333-8333-333333333333");
        f["base_version"] = json!(7);
        let with = sign_batch(&key, NIL, vec![f], "x", None).unwrap();
        let without = sign_batch(&key, NIL, vec![fields()], "x", None).unwrap();
        let req: ves_core::IngestRequest = serde_json::from_str(&with.body).unwrap();
        assert_eq!(req.events[0].base_version, Some(7));
        assert!(req.events[0].command_id.is_some());
        // Not part of the signing preimage (VES_V1.md §3).
        assert_eq!(with.meta.signatures, without.meta.signatures);
    }

    #[test]
    fn null_and_huge_payloads_are_refused() {
        let key = sign::signing_key_from_seed(&[3u8; 32]);
        let mut f = fields();
        f["payload"] = Value::Null;
        let e = sign_batch(&key, NIL, vec![f], "x", None).err().unwrap();
        assert_eq!(e[0].field, "payload");
        let mut f = fields();
        f["payload"] = json!("x".repeat(limits::MAX_PAYLOAD_BYTES));
        let e = sign_batch(&key, NIL, vec![f], "x", None).err().unwrap();
        assert!(e[0].message.contains("per-payload limit"), "{:?}", e[0]);
    }
}
