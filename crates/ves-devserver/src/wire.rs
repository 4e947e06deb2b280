//! The ingest request exactly as the real server deserializes it (VES_V1.md §1, §5.1).
//!
//! The field order and the hex adapters follow the real `VesEventEnvelope`, because axum's
//! `Json` extractor reports the first missing field in declaration order and quotes the
//! adapters' messages in its 422 texts (`events[0]: missing field `agent_signature` …`).
//! Hashing and verification then run on `ves_core::EventEnvelope`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use uuid::Uuid;
use ves_core::{EventEnvelope, PayloadKind};

/// `{"agentId": …, "events": […]}`.
/// Type names are the real ones (`VesIngestRequest`, `VesEventEnvelope`, …): serde's derive
/// puts them in 422 texts (`expected struct VesEventEnvelope`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VesIngestRequest {
    pub agent_id: Uuid,
    pub events: Vec<VesEventEnvelope>,
}

/// `payload_kind` as the server's `serde_repr` enum (`#[repr(u32)]`): other values are a 422.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde_repr::Deserialize_repr)]
#[repr(u32)]
pub enum WireKind {
    Plaintext = 0,
    Encrypted = 1,
}

#[derive(Debug, Deserialize)]
pub struct VesEventEnvelope {
    pub ves_version: u32,
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub source_agent_id: Uuid,
    pub agent_key_id: u32,
    pub entity_type: String,
    pub entity_id: String,
    pub event_type: String,
    pub created_at: String,
    pub payload_kind: WireKind,
    #[serde(default)]
    pub payload: Option<Value>,
    /// Typed as on the real server: a malformed shape is a whole-request 422.
    #[serde(default)]
    pub payload_encrypted: Option<PayloadEncrypted>,
    #[serde(deserialize_with = "hash32")]
    pub payload_plain_hash: [u8; 32],
    #[serde(deserialize_with = "hash32")]
    pub payload_cipher_hash: [u8; 32],
    #[serde(deserialize_with = "sig64")]
    pub agent_signature: [u8; 64],
    #[serde(default)]
    pub agent_signature_scheme: Option<i32>,
    /// PQC material; the legacy profile never reads it, but its shape is checked (422).
    #[serde(default)]
    #[allow(dead_code)]
    pub agent_signature_bundle: Option<ParsedSignatureBundle>,
    /// Accepted and overwritten, as on the real server (a malformed value is still a 422).
    #[serde(default)]
    #[allow(dead_code)]
    pub sequence_number: Option<u64>,
    #[serde(default)]
    #[allow(dead_code)]
    pub sequenced_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    pub command_id: Option<Uuid>,
    #[serde(default)]
    pub base_version: Option<u64>,
}

/// The real `PayloadEncrypted` (VES-ENC-1, `src/crypto/encrypt.rs`), field for field and in
/// its order, so that serde's 422 texts (first missing field, wrong type) are the real ones.
/// Unknown fields are ignored, as there. Serializing it gives the bytes the real payload-size
/// limit counts.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PayloadEncrypted {
    pub enc_version: u32,
    pub aead: String,
    pub nonce_b64u: String,
    pub ciphertext_b64u: String,
    pub tag_b64u: String,
    pub hpke: HpkeParams,
    pub recipients: Vec<Recipient>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct HpkeParams {
    pub mode: String,
    pub kem: String,
    pub kdf: String,
    pub aead: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Recipient {
    pub recipient_kid: u32,
    pub enc_b64u: String,
    pub ct_b64u: String,
}

/// The real `ParsedSignatureBundle` (`src/crypto/pqc_signing.rs`): byte arrays as JSON arrays.
#[derive(Debug, Clone, Deserialize)]
pub struct ParsedSignatureBundle {
    #[allow(dead_code)]
    pub ed25519_signature: Option<Vec<u8>>,
    #[allow(dead_code)]
    pub ml_dsa_65_signature: Option<Vec<u8>>,
}

impl VesEventEnvelope {
    /// The ves-core envelope, for hashing and verification.
    pub fn into_envelope(self) -> EventEnvelope {
        EventEnvelope {
            ves_version: self.ves_version,
            event_id: self.event_id,
            tenant_id: self.tenant_id,
            store_id: self.store_id,
            source_agent_id: self.source_agent_id,
            agent_key_id: self.agent_key_id,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            event_type: self.event_type,
            created_at: self.created_at,
            payload_kind: match self.payload_kind {
                WireKind::Plaintext => PayloadKind::Plaintext,
                WireKind::Encrypted => PayloadKind::Encrypted,
            },
            payload: self.payload,
            payload_encrypted: self
                .payload_encrypted
                .and_then(|p| serde_json::to_value(p).ok()),
            payload_plain_hash: self.payload_plain_hash,
            payload_cipher_hash: self.payload_cipher_hash,
            agent_signature: self.agent_signature,
            command_id: self.command_id,
            base_version: self.base_version,
        }
    }
}

/// Hex with an optional `0x`, the real adapters' messages (`expected 32 bytes for Hash256`).
fn fixed_hex<'de, D: Deserializer<'de>, const N: usize>(
    d: D,
    what: &str,
) -> Result<[u8; N], D::Error> {
    use serde::de::Error;
    let s = String::deserialize(d)?;
    let digits = s.strip_prefix("0x").unwrap_or(&s);
    let bytes = hex::decode(digits).map_err(D::Error::custom)?;
    bytes
        .try_into()
        .map_err(|_| D::Error::custom(format!("expected {N} bytes for {what}")))
}

fn hash32<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
    fixed_hex(d, "Hash256")
}

fn sig64<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
    fixed_hex(d, "Signature64")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_json() -> serde_json::Value {
        serde_json::json!({
            "ves_version": 1, "event_id": Uuid::nil(), "tenant_id": Uuid::nil(),
            "store_id": Uuid::nil(), "source_agent_id": Uuid::nil(), "agent_key_id": 1,
            "entity_type": "order", "entity_id": "o-1", "event_type": "order.created",
            "created_at": "2025-01-01T00:00:00Z", "payload_kind": 0, "payload": {"a": 1},
            "payload_plain_hash": format!("0x{}", "00".repeat(32)),
            "payload_cipher_hash": "00".repeat(32),
            "agent_signature": format!("0x{}", "11".repeat(64)),
        })
    }

    #[test]
    fn both_hex_forms_parse_and_wrong_lengths_say_what_was_expected() {
        let e: VesEventEnvelope = serde_json::from_value(event_json()).unwrap();
        assert_eq!(e.agent_signature, [0x11; 64]);
        let mut v = event_json();
        v["payload_plain_hash"] = "0xabcd".into();
        let err = serde_json::from_value::<VesEventEnvelope>(v)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "expected 32 bytes for Hash256");
    }

    #[test]
    fn payload_kind_2_is_refused_and_float_key_ids_too() {
        let mut v = event_json();
        v["payload_kind"] = 2.into();
        assert!(serde_json::from_value::<VesEventEnvelope>(v).is_err());
        let mut v = event_json();
        v["agent_key_id"] = serde_json::json!(1.0);
        assert!(serde_json::from_value::<VesEventEnvelope>(v).is_err());
    }
}
