//! The VES v1 event envelope as sent to `POST /api/v1/ves/events/ingest` (VES_V1.md §1, §3).
//! Field names are the server's: snake_case events inside a camelCase wrapper.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::hash::{self, Hash, Sink, ZERO_HASH};
use crate::hexfmt::serde_hex;
use crate::limits;
use crate::sign::{self, SigningKey, VerifyingKey};

/// `payload_kind`: 0 plaintext, 1 encrypted (VES-ENC-1, out of scope here). Any other value is
/// refused while parsing, as the server's `serde_repr` enum does (HTTP 422).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    Plaintext = 0,
    Encrypted = 1,
}

impl Serialize for PayloadKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(*self as u32)
    }
}

impl<'de> Deserialize<'de> for PayloadKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u32::deserialize(d)? {
            0 => Ok(PayloadKind::Plaintext),
            1 => Ok(PayloadKind::Encrypted),
            n => Err(serde::de::Error::custom(format!(
                "payload_kind: expected 0 (plaintext) or 1 (encrypted), found {n}"
            ))),
        }
    }
}

/// One signed event, exactly as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub ves_version: u32,
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub source_agent_id: Uuid,
    pub agent_key_id: u32,
    pub entity_type: String,
    pub entity_id: String,
    pub event_type: String,
    /// Signed and stored verbatim: never re-format it.
    pub created_at: String,
    pub payload_kind: PayloadKind,
    /// JSON `null` counts as absent, as on the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_encrypted: Option<Value>,
    #[serde(with = "serde_hex::prefixed")]
    pub payload_plain_hash: Hash,
    #[serde(with = "serde_hex::prefixed")]
    pub payload_cipher_hash: Hash,
    #[serde(with = "serde_hex::prefixed")]
    pub agent_signature: [u8; 64],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<u64>,
}

/// The ingest request wrapper: `{"agentId": …, "events": […]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestRequest {
    pub agent_id: Uuid,
    pub events: Vec<EventEnvelope>,
}

impl IngestRequest {
    /// Batch-level rules that do not depend on server state: not empty, at most 1000 events.
    pub fn check_size(&self) -> Result<()> {
        match self.events.len() {
            0 => Err(Error::EmptyBatch),
            n if n > limits::MAX_EVENTS_PER_BATCH => Err(Error::TooManyEvents {
                max: limits::MAX_EVENTS_PER_BATCH,
                found: n,
            }),
            _ => Ok(()),
        }
    }
}

impl EventEnvelope {
    /// Writes the signing preimage (171 + the four string lengths bytes).
    pub fn write_signing_preimage(&self, out: &mut impl Sink) {
        out.put(hash::DOMAIN_EVENTSIG);
        out.put(&self.ves_version.to_be_bytes());
        hash::put_uuid(out, &self.tenant_id);
        hash::put_uuid(out, &self.store_id);
        hash::put_uuid(out, &self.event_id);
        hash::put_uuid(out, &self.source_agent_id);
        out.put(&self.agent_key_id.to_be_bytes());
        hash::put_enc_str(out, &self.entity_type);
        hash::put_enc_str(out, &self.entity_id);
        hash::put_enc_str(out, &self.event_type);
        hash::put_enc_str(out, &self.created_at);
        out.put(&(self.payload_kind as u32).to_be_bytes());
        out.put(&self.payload_plain_hash);
        out.put(&self.payload_cipher_hash);
    }

    pub fn signing_preimage(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(171 + self.string_bytes());
        self.write_signing_preimage(&mut v);
        v
    }

    /// `event_signing_hash`: what the agent signs and what leaves and receipts commit to.
    /// Neither the payload nor the signature is in the preimage: the payload enters through
    /// `payload_plain_hash`.
    ///
    /// ```
    /// use ves_core::{hexfmt, EventEnvelope};
    ///
    /// // The real sequencer's own cross-platform known answer
    /// // (`test_signing_hash_cross_platform`; the KAT's `event_signing_hash.vectors[0]`).
    /// let env: EventEnvelope = serde_json::from_value(serde_json::json!({
    ///     "ves_version": 1,
    ///     "tenant_id": "64527dd3-a654-4410-9327-e58a1492ce77",
    ///     "store_id": "91def158-819a-4461-b5c9-7759750ad157",
    ///     "event_id": "861910c9-7a1d-4b6f-83d6-51bbf4ae2849",
    ///     "source_agent_id": "80441726-74e2-430a-95ae-97ce21c6351b",
    ///     "agent_key_id": 1,
    ///     "entity_type": "order",
    ///     "entity_id": "ORD-001",
    ///     "event_type": "order.created",
    ///     "created_at": "2025-12-20T17:51:10.243Z",
    ///     "payload_kind": 0,
    ///     "payload_plain_hash": "0x7777c3fef466a0e9df7e07ea4ff13dc8ffbb9e487098f1b65530cdce7b6bbbe7",
    ///     "payload_cipher_hash": format!("0x{}", "00".repeat(32)),
    ///     "agent_signature": format!("0x{}", "00".repeat(64)),
    /// }))
    /// .unwrap();
    /// assert_eq!(env.signing_preimage().len(), 220);
    /// assert_eq!(
    ///     hexfmt::encode(&env.signing_hash()),
    ///     "e970dfc9ffc285c2c0ba59be5d9c653eee2d1ae4db9b7a02ea3cd62b8e7cf92b"
    /// );
    /// ```
    pub fn signing_hash(&self) -> Hash {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        self.write_signing_preimage(&mut h);
        h.finalize().into()
    }

    fn string_bytes(&self) -> usize {
        self.entity_type.len()
            + self.entity_id.len()
            + self.event_type.len()
            + self.created_at.len()
    }

    /// The canonical JSON of a plaintext payload.
    pub fn payload_jcs(&self) -> Result<String> {
        let payload = self.payload.as_ref().ok_or_else(|| {
            Error::Payload("a plaintext event (payload_kind 0) needs a payload".into())
        })?;
        crate::jcs::canonicalize(payload)
    }

    /// Recomputes `payload_plain_hash` from the payload (plaintext only).
    pub fn compute_payload_plain_hash(&self) -> Result<Hash> {
        Ok(hash::payload_plain_hash_from_jcs(&self.payload_jcs()?))
    }

    /// Field-length rules (bytes of UTF-8): entity_type 1..=128, entity_id 1..=512, event_type 1..=256.
    pub fn check_field_lengths(&self) -> Result<()> {
        for (field, value, max) in [
            (
                "entity_type",
                &self.entity_type,
                limits::ENTITY_TYPE_MAX_BYTES,
            ),
            ("entity_id", &self.entity_id, limits::ENTITY_ID_MAX_BYTES),
            ("event_type", &self.event_type, limits::EVENT_TYPE_MAX_BYTES),
        ] {
            if value.is_empty() || value.len() > max {
                return Err(Error::FieldLength {
                    field,
                    max,
                    found: value.len(),
                });
            }
        }
        Ok(())
    }

    /// `created_at` must parse as the server parses it (chrono `parse_from_rfc3339`).
    pub fn check_created_at(&self) -> Result<()> {
        crate::time::check_rfc3339(&self.created_at)
    }

    /// No U+0000 in any string field or in the payload.
    pub fn check_no_nul(&self) -> Result<()> {
        for (field, value) in [
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("event_type", &self.event_type),
            ("created_at", &self.created_at),
        ] {
            if value.contains('\0') {
                return Err(Error::NulCharacter { path: field.into() });
            }
        }
        match &self.payload {
            Some(p) => crate::jcs::check_no_nul(p, "payload"),
            None => Ok(()),
        }
    }

    /// Ed25519 verification of `agent_signature` over the signing hash, with the same
    /// (non-strict) verification the server uses.
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<()> {
        sign::verify_hash(key, &self.signing_hash(), &self.agent_signature)
    }

    /// The compact JSON the kit sends (envelope hex as `0x` + lowercase).
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The fields an agent chooses; `sign` derives the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsignedEvent {
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub source_agent_id: Uuid,
    pub agent_key_id: u32,
    pub entity_type: String,
    pub entity_id: String,
    pub event_type: String,
    pub created_at: String,
    pub payload: Value,
}

impl UnsignedEvent {
    /// Computes the payload hash, the signing hash and the signature: a complete plaintext envelope.
    ///
    /// ```
    /// use uuid::Uuid;
    /// use ves_core::{hexfmt, sign, UnsignedEvent};
    ///
    /// // Event 1 of the KAT's worked example, signed with RFC 8032 test key 1.
    /// let key = sign::signing_key_from_seed(
    ///     &hexfmt::decode_fixed::<32>(
    ///         "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    ///         "seed",
    ///     )
    ///     .unwrap(),
    /// );
    /// let env = UnsignedEvent {
    ///     event_id: "11111111-1111-1111-1111-111111111111".parse().unwrap(),
    ///     tenant_id: Uuid::from_u128(1),
    ///     store_id: Uuid::from_u128(2),
    ///     source_agent_id: "22222222-2222-2222-2222-222222222222".parse().unwrap(),
    ///     agent_key_id: 1,
    ///     entity_type: "InventoryItem".into(),
    ///     entity_id: "WIDGET-001".into(),
    ///     event_type: "Adjusted".into(),
    ///     created_at: "2025-01-01T00:00:00Z".into(),
    ///     payload: serde_json::json!({"delta": 100, "reason": "test"}),
    /// }
    /// .sign(&key)
    /// .unwrap();
    /// assert_eq!(
    ///     hexfmt::encode(&env.signing_hash()),
    ///     "4dd87d2bff38574cdc3e61e9aea0cbc4109eaf2962f3894f3d82431082343ff6"
    /// );
    /// assert_eq!(
    ///     hexfmt::encode(&env.agent_signature),
    ///     "a0478a20df91042a3a3cf4388553875e6ef488aaae9726cffb9968e352cbd121\
    ///      4fd6b13d77b19fd29b4584743984aa96a90183a41f89e09ddfbfbcc837f9b00a"
    /// );
    /// env.verify_signature(&key.verifying_key()).unwrap();
    /// ```
    pub fn sign(self, key: &SigningKey) -> Result<EventEnvelope> {
        Ok(self.sign_with_jcs(key)?.0)
    }

    /// [`UnsignedEvent::sign`], also returning the payload's RFC 8785 text (what a body writes,
    /// crate::spelling), computed once.
    pub fn sign_with_jcs(self, key: &SigningKey) -> Result<(EventEnvelope, String)> {
        let jcs = crate::jcs::canonicalize(&self.payload)?;
        let plain = hash::payload_plain_hash_from_jcs(&jcs);
        let mut env = EventEnvelope {
            ves_version: 1,
            event_id: self.event_id,
            tenant_id: self.tenant_id,
            store_id: self.store_id,
            source_agent_id: self.source_agent_id,
            agent_key_id: self.agent_key_id,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            event_type: self.event_type,
            created_at: self.created_at,
            payload_kind: PayloadKind::Plaintext,
            payload: Some(self.payload),
            payload_encrypted: None,
            payload_plain_hash: plain,
            payload_cipher_hash: ZERO_HASH,
            agent_signature: [0u8; 64],
            command_id: None,
            base_version: None,
        };
        env.agent_signature = sign::sign_hash(key, &env.signing_hash());
        Ok((env, jcs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kat_event() -> EventEnvelope {
        serde_json::from_str(
            r#"{"ves_version":1,"event_id":"11111111-1111-1111-1111-111111111111",
            "tenant_id":"00000000-0000-0000-0000-000000000001","store_id":"00000000-0000-0000-0000-000000000002",
            "source_agent_id":"22222222-2222-2222-2222-222222222222","agent_key_id":1,
            "entity_type":"InventoryItem","entity_id":"WIDGET-001","event_type":"Adjusted",
            "created_at":"2025-01-01T00:00:00Z","payload_kind":0,"payload":{"delta":100,"reason":"test"},
            "payload_plain_hash":"0x815ab060b3f26dacf429ce062f8befb81f52938e692010255f86d12c3e4c2cda",
            "payload_cipher_hash":"0x0000000000000000000000000000000000000000000000000000000000000000",
            "agent_signature":"0xa0478a20df91042a3a3cf4388553875e6ef488aaae9726cffb9968e352cbd1214fd6b13d77b19fd29b4584743984aa96a90183a41f89e09ddfbfbcc837f9b00a"}"#,
        )
        .unwrap()
    }

    #[test]
    fn worked_example_round_trips_and_verifies() {
        let env = kat_event();
        assert_eq!(env.signing_preimage().len(), 222);
        assert_eq!(
            crate::hexfmt::encode(&env.signing_hash()),
            "4dd87d2bff38574cdc3e61e9aea0cbc4109eaf2962f3894f3d82431082343ff6"
        );
        assert_eq!(
            env.compute_payload_plain_hash().unwrap(),
            env.payload_plain_hash
        );
        let key = sign::signing_key_from_seed(
            &crate::hexfmt::decode_fixed(
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "seed",
            )
            .unwrap(),
        );
        env.verify_signature(&key.verifying_key()).unwrap();
        let back: EventEnvelope = serde_json::from_str(&env.to_json()).unwrap();
        assert_eq!(back, env);
    }

    #[test]
    fn payload_kind_outside_0_1_is_refused() {
        let text = kat_event()
            .to_json()
            .replace("\"payload_kind\":0", "\"payload_kind\":2");
        let e = serde_json::from_str::<EventEnvelope>(&text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected 0 (plaintext) or 1 (encrypted), found 2"),
            "{e}"
        );
    }

    #[test]
    fn null_payload_is_absent() {
        let text = kat_event()
            .to_json()
            .replace("{\"delta\":100,\"reason\":\"test\"}", "null");
        let env: EventEnvelope = serde_json::from_str(&text).unwrap();
        assert!(env.payload.is_none());
        assert!(env.compute_payload_plain_hash().is_err());
    }

    #[test]
    fn empty_and_oversized_batches_are_refused() {
        let mut req = IngestRequest {
            agent_id: Uuid::nil(),
            events: vec![],
        };
        assert_eq!(req.check_size(), Err(Error::EmptyBatch));
        req.events = vec![kat_event(); 1001];
        assert_eq!(
            req.check_size(),
            Err(Error::TooManyEvents {
                max: 1000,
                found: 1001
            })
        );
    }

    #[test]
    fn field_lengths_are_bytes() {
        let mut env = kat_event();
        env.entity_type = "é".repeat(64); // 128 bytes: allowed
        env.check_field_lengths().unwrap();
        env.entity_type.push('a');
        assert!(matches!(
            env.check_field_lengths(),
            Err(Error::FieldLength {
                field: "entity_type",
                found: 129,
                ..
            })
        ));
        env.entity_type.clear();
        assert!(env.check_field_lengths().is_err());
    }
}
