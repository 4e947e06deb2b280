//! Builds a property's events: the envelope text that is sent (byte for byte what
//! `js/spec.js` writes) and what the judge needs to check receipts, leaves and proofs.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use serde_json::Value;
use uuid::Uuid;
use ves_core::hash::{self, Hash, ZERO_HASH};
use ves_core::sign;
use ves_core::spelling::ENVELOPE_KEYS;
use ves_core::{jcs, EventEnvelope, PayloadKind};

use super::catalogue::{EventDefaults, EventSpec};
use super::ids;

/// Where a property's ids come from.
pub struct Scope<'a> {
    pub seed: &'a str,
    pub property: &'a str,
    pub pass: &'a str,
}

impl Scope<'_> {
    pub fn tenant(&self, name: &str) -> Uuid {
        ids::uuid(
            self.seed,
            &ids::label("tenant", self.property, name, self.pass),
        )
    }
    pub fn store(&self, name: &str) -> Uuid {
        ids::uuid(
            self.seed,
            &ids::label("store", self.property, name, self.pass),
        )
    }
    pub fn agent(&self, name: &str) -> Uuid {
        ids::uuid(
            self.seed,
            &ids::label("agent", self.property, name, self.pass),
        )
    }
    pub fn agent_key(&self, name: &str) -> sign::SigningKey {
        ids::agent_key(
            self.seed,
            &ids::label("agent", self.property, name, self.pass),
        )
    }
    pub fn event_id(&self, name: &str) -> Uuid {
        ids::uuid(
            self.seed,
            &ids::label("event", self.property, name, self.pass),
        )
    }
    pub fn id(&self, name: &str) -> Uuid {
        ids::uuid(self.seed, &ids::label("id", self.property, name, self.pass))
    }
}

/// One event, built.
#[derive(Debug, Clone)]
pub struct BuiltEvent {
    pub event_id: Uuid,
    pub tenant: Uuid,
    pub store: Uuid,
    pub agent_name: String,
    /// The envelope's JSON text; `{{pad:N}}` inside a payload_text stays unexpanded here.
    pub text: String,
    /// The signing hash of the fields as sent (what the server computes and commits to).
    pub signing_hash: Hash,
    /// The signature as sent.
    pub signature: [u8; 64],
}

/// Expands `{{pad:N}}` (N times `x`): the only placeholder a payload_text may hold.
pub fn expand_pads(text: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{pad:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 6..];
        let end = tail
            .find("}}")
            .ok_or_else(|| anyhow!("unclosed {{{{pad:"))?;
        let n: usize = tail[..end]
            .parse()
            .map_err(|_| anyhow!("{{{{pad:{}}}}}: expected a count", &tail[..end]))?;
        out.extend(std::iter::repeat('x').take(n));
        rest = &tail[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn jcs_of(v: &Value) -> Result<String> {
    jcs::canonicalize(v).map_err(|e| anyhow!("payload: {e}"))
}

fn hex_spelled(bytes: &[u8], spelling: &str) -> Result<String> {
    let h = hex::encode(bytes);
    Ok(match spelling {
        "0x" => format!("0x{h}"),
        "bare" => h,
        "upper" => format!("0x{}", h.to_uppercase()),
        other => bail!("spelling.hex {other:?}: expected 0x, bare or upper"),
    })
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub fn build(
    scope: &Scope<'_>,
    defaults: &EventDefaults,
    specs: &BTreeMap<String, EventSpec>,
    name: &str,
) -> Result<BuiltEvent> {
    let spec = specs
        .get(name)
        .ok_or_else(|| anyhow!("event {name:?} is not defined in the property"))?;
    let tenant_name = spec.tenant.as_deref().unwrap_or("main");
    let store_name = spec.store.as_deref().unwrap_or("main");
    let agent_name = spec.agent.as_deref().unwrap_or("main");
    let signer_name = spec.signer.as_deref().unwrap_or(agent_name);
    let event_id = match &spec.id_of {
        Some(other) => scope.event_id(other),
        None => scope.event_id(name),
    };
    let tenant = scope.tenant(tenant_name);
    let store = scope.store(store_name);
    let agent = scope.agent(agent_name);
    let key_id = spec.key_id.unwrap_or(1);
    let entity_type = spec
        .entity_type
        .clone()
        .unwrap_or(defaults.entity_type.clone());
    let entity_id = spec.entity_id.clone().unwrap_or(defaults.entity_id.clone());
    let event_type = spec
        .event_type
        .clone()
        .unwrap_or(defaults.event_type.clone());
    let created_at = spec
        .created_at
        .clone()
        .unwrap_or(defaults.created_at.clone());
    let ves_version = spec.set.ves_version.unwrap_or(1);
    let cipher: Hash = match &spec.set.payload_cipher_hash {
        Some(h) => ves_core::hexfmt::decode_fixed::<32>(h, "set.payload_cipher_hash")
            .map_err(|e| anyhow!("{e}"))?,
        None => ZERO_HASH,
    };

    // The payload as sent (text) and as hashed (its JCS).
    let (payload_text, payload_jcs) = match (&spec.payload, &spec.payload_text) {
        (Some(_), Some(_)) => bail!("event {name}: payload and payload_text are exclusive"),
        (_, Some(text)) => {
            let expanded = expand_pads(text)?;
            let jcs = jcs::canonicalize_text(&expanded)
                .map_err(|e| anyhow!("event {name}: payload_text: {e}"))?;
            (text.clone(), jcs)
        }
        (Some(v), None) => {
            let jcs = jcs_of(v)?;
            (jcs.clone(), jcs)
        }
        (None, None) => {
            let v = serde_json::json!({ "event": name });
            let jcs = jcs_of(&v)?;
            (jcs.clone(), jcs)
        }
    };
    let sent_plain = hash::payload_plain_hash_from_jcs(&payload_jcs);
    let signed_plain = match &spec.signed_as.payload {
        Some(v) => hash::payload_plain_hash_from_jcs(&jcs_of(v)?),
        None => sent_plain,
    };
    let signed_created_at = spec
        .signed_as
        .created_at
        .clone()
        .unwrap_or(created_at.clone());

    let envelope = |created: &str, plain: Hash| EventEnvelope {
        ves_version,
        event_id,
        tenant_id: tenant,
        store_id: store,
        source_agent_id: agent,
        agent_key_id: key_id,
        entity_type: entity_type.clone(),
        entity_id: entity_id.clone(),
        event_type: event_type.clone(),
        created_at: created.to_string(),
        payload_kind: PayloadKind::Plaintext,
        payload: None,
        payload_encrypted: None,
        payload_plain_hash: plain,
        payload_cipher_hash: cipher,
        agent_signature: [0u8; 64],
        command_id: None,
        base_version: None,
    };
    let signed_hash = envelope(&signed_created_at, signed_plain).signing_hash();
    let key = scope.agent_key(signer_name);
    let mut signature = sign::sign_hash(&key, &signed_hash);
    let mut plain_sent = signed_plain;
    for field in &spec.flip {
        match field.as_str() {
            "agent_signature" => signature[0] ^= 1,
            "payload_plain_hash" => plain_sent[0] ^= 1,
            other => bail!(
                "event {name}: flip {other:?}: expected agent_signature or payload_plain_hash"
            ),
        }
    }
    let signing_hash = envelope(&created_at, plain_sent).signing_hash();

    let hex_form = spec.spelling.hex.as_deref().unwrap_or("0x");
    let mut values: Vec<(String, String)> =
        Vec::with_capacity(ENVELOPE_KEYS.len() + spec.raw.len());
    for field in ENVELOPE_KEYS {
        let v = match field {
            "ves_version" => ves_version.to_string(),
            "event_id" => json_str(&event_id.to_string()),
            "tenant_id" => json_str(&tenant.to_string()),
            "store_id" => json_str(&store.to_string()),
            "source_agent_id" => json_str(&agent.to_string()),
            "agent_key_id" => key_id.to_string(),
            "entity_type" => json_str(&entity_type),
            "entity_id" => json_str(&entity_id),
            "event_type" => json_str(&event_type),
            "created_at" => json_str(&created_at),
            "payload_kind" => "0".to_string(),
            "payload" => payload_text.clone(),
            "payload_plain_hash" => json_str(&hex_spelled(&plain_sent, hex_form)?),
            "payload_cipher_hash" => json_str(&hex_spelled(&cipher, hex_form)?),
            _ => json_str(&hex_spelled(&signature, hex_form)?),
        };
        values.push((field.to_string(), v));
    }
    for (field, text) in &spec.raw {
        match values.iter_mut().find(|(f, _)| f == field) {
            Some(slot) => slot.1 = text.clone(),
            None => values.push((field.clone(), text.clone())),
        }
    }
    values.retain(|(f, _)| !spec.omit.contains(f));
    let text = match spec.spelling.layout.as_deref().unwrap_or("compact") {
        "compact" => {
            let parts: Vec<String> = values
                .iter()
                .map(|(k, v)| format!("{}:{v}", json_str(k)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        "spaced" => {
            let parts: Vec<String> = values
                .iter()
                .rev()
                .map(|(k, v)| format!("{} : {v}", json_str(k)))
                .collect();
            format!("{{ {} }}", parts.join(" , "))
        }
        other => bail!("event {name}: spelling.layout {other:?}: expected compact or spaced"),
    };
    Ok(BuiltEvent {
        event_id,
        tenant,
        store,
        agent_name: agent_name.to_string(),
        text,
        signing_hash,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> EventDefaults {
        EventDefaults {
            entity_type: "order".into(),
            entity_id: "order-1".into(),
            event_type: "order.created".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    fn scope() -> Scope<'static> {
        Scope {
            seed: "golden",
            property: "p.one",
            pass: "0",
        }
    }

    fn specs(json: serde_json::Value) -> BTreeMap<String, EventSpec> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_default_event_verifies_and_parses_as_an_envelope() {
        let s = specs(serde_json::json!({"a": {}}));
        let e = build(&scope(), &defaults(), &s, "a").unwrap();
        let env: EventEnvelope = serde_json::from_str(&e.text).unwrap();
        assert_eq!(env.signing_hash(), e.signing_hash);
        let key = scope().agent_key("main");
        env.verify_signature(&key.verifying_key()).unwrap();
        assert_eq!(env.payload, Some(serde_json::json!({"event": "a"})));
        assert!(
            e.text.starts_with("{\"ves_version\":1,\"event_id\":"),
            "{}",
            e.text
        );
    }

    #[test]
    fn a_respelled_twin_has_the_same_id_hash_and_signature() {
        let s = specs(serde_json::json!({
            "a": {"payload_text": "{\"n\":7}"},
            "b": {"id_of": "a", "payload_text": "{\"n\":7.0}", "spelling": {"hex": "upper", "layout": "spaced"}}
        }));
        let a = build(&scope(), &defaults(), &s, "a").unwrap();
        let b = build(&scope(), &defaults(), &s, "b").unwrap();
        assert_eq!(
            (a.event_id, a.signing_hash, a.signature),
            (b.event_id, b.signing_hash, b.signature)
        );
        assert_ne!(a.text, b.text);
        assert!(b.text.contains("\"payload\" : {\"n\":7.0}"), "{}", b.text);
    }

    #[test]
    fn mutations_change_what_they_say() {
        let s = specs(serde_json::json!({
            "bad": {"flip": ["agent_signature"]},
            "late": {"created_at": "2026-01-01T00:00:00Z", "signed_as": {"created_at": "2026-01-01T00:00:00.000Z"}},
            "raw": {"raw": {"agent_key_id": "1.0", "zz_extra": "true"}, "omit": ["payload"]},
            "big": {"payload_text": "{\"pad\":\"{{pad:3}}\"}"}
        }));
        let key = scope().agent_key("main").verifying_key();
        for name in ["bad", "late"] {
            let e = build(&scope(), &defaults(), &s, name).unwrap();
            let env: EventEnvelope = serde_json::from_str(&e.text).unwrap();
            assert!(env.verify_signature(&key).is_err(), "{name}");
        }
        let raw = build(&scope(), &defaults(), &s, "raw").unwrap();
        assert!(raw.text.contains("\"agent_key_id\":1.0,"), "{}", raw.text);
        assert!(raw.text.ends_with(",\"zz_extra\":true}"), "{}", raw.text);
        assert!(!raw.text.contains("\"payload\":"), "{}", raw.text);
        let big = build(&scope(), &defaults(), &s, "big").unwrap();
        assert!(big.text.contains("{\"pad\":\"{{pad:3}}\"}"), "{}", big.text);
        let sent = expand_pads(&big.text).unwrap();
        let env: EventEnvelope = serde_json::from_str(&sent).unwrap();
        env.verify_signature(&key).unwrap();
        assert_eq!(env.payload, Some(serde_json::json!({"pad": "xxx"})));
    }
}
