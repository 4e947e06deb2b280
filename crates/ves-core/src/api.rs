//! Request and response bodies of the sequencer's HTTP API, with the real server's casing
//! (VES_V1.md §4, §5, §8, §9). Pure data: the devserver serves them, the CLI reads them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hash::Hash;
use crate::hexfmt::serde_hex;
use crate::merkle::InclusionProof;
use crate::receipt::Receipt;

/// `POST /api/v1/agents/keys` (camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterKeyRequest {
    pub tenant_id: Uuid,
    pub agent_id: Uuid,
    pub key_id: u32,
    /// 32 bytes of hex, `0x` optional.
    pub public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_algorithm: Option<u32>,
}

/// The 200 answer to an ingest (camelCase; `rejections` entries are snake_case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestResponse {
    pub batch_id: Uuid,
    pub events_accepted: u64,
    pub events_rejected: u64,
    pub sequence_start: Option<u64>,
    pub sequence_end: Option<u64>,
    pub head_sequence: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejections: Vec<Rejection>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<Receipt>,
}

/// A per-event refusal inside an HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub event_id: Uuid,
    /// e.g. `invalid_signature`, `agent_key_invalid: Agent key not found`.
    pub reason: String,
    pub message: String,
}

impl Rejection {
    /// The reason's code, the part before any `:` (`agent_key_invalid`).
    pub fn code(&self) -> &str {
        self.reason.split(':').next().unwrap_or("").trim()
    }
}

/// `POST /api/v1/ves/commitments` (snake_case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRequest {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub sequence_start: u64,
    pub sequence_end: u64,
}

/// `GET /api/v1/ves/proofs/{seq}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofResponse {
    pub sequence_number: u64,
    pub batch_id: Uuid,
    #[serde(with = "serde_hex::bare")]
    pub merkle_root: Hash,
    #[serde(with = "serde_hex::bare")]
    pub leaf_hash: Hash,
    #[serde(flatten)]
    pub proof: InclusionProof,
}

/// `POST /api/v1/ves/proofs/verify`. Hex stays text: the server requires it bare (no `0x`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyProofRequest {
    pub leaf_hash: String,
    pub merkle_root: String,
    pub proof_path: Vec<String>,
    pub leaf_index: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyProofResponse {
    pub valid: bool,
    pub leaf_hash: String,
    pub merkle_root: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_response_reads_the_live_server_shape() {
        let text = r#"{"batch_id":"4e25effa-9f9a-4dcf-8881-dd1c05644172","directions":[false,true,true],
          "leaf_hash":"508c61e0fcc61bd0b550f76304d4c63e7131e23f8e9802e748689e7ed36f1eac","leaf_index":1,
          "merkle_root":"883d4f3b8cd565b7efde57e4aee8ada0d37b75fb044cdc4805a173f012171fd5",
          "proof_path":["c5994c3df19cccc6efbb56635bd9b52cf28fb78852f332b3bcf96486aa1ef7a0",
          "d303ba7e059b73ca9743423ff5d674fb1dbbc616d4482fa2c2cda6792fd6c42b",
          "0504f0e7488a9a6b44942e044c7ece250f6f4229fe5acd7c33ed3d9add2601a2"],"sequence_number":2}"#;
        let p: ProofResponse = serde_json::from_str(text).unwrap();
        assert_eq!(p.proof.leaf_index, 1);
        crate::merkle::verify_inclusion(
            &p.proof,
            &p.leaf_hash,
            crate::merkle::Anchor::Root(&p.merkle_root),
        )
        .unwrap();
    }

    #[test]
    fn a_proof_with_a_missing_field_names_it() {
        let text = r#"{"leaf_index":1,"directions":[]}"#;
        let e = serde_json::from_str::<InclusionProof>(text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing field `proof_path`"), "{e}");
        // directions may be left out (or null): verify_inclusion decides where they are needed.
        for text in [
            r#"{"leaf_index":1,"proof_path":[]}"#,
            r#"{"leaf_index":1,"proof_path":[],"directions":null}"#,
        ] {
            let p: InclusionProof = serde_json::from_str(text).unwrap();
            assert_eq!(p.directions, None);
        }
    }

    #[test]
    fn rejection_code_drops_the_message() {
        let r = Rejection {
            event_id: Uuid::nil(),
            reason: "agent_key_invalid: Agent key not found".into(),
            message: "Agent key not found".into(),
        };
        assert_eq!(r.code(), "agent_key_invalid");
    }
}
