//! # ves-core
//!
//! The reference implementation of VES v1 (Verifiable Event Sync) as the StateSet sequencer
//! implements it: RFC 8785 payload hashing, the event signing hash, Ed25519 signatures,
//! receipts, Merkle leaves, roots and inclusion proofs, and the commitment state-root chain.
//!
//! Pure: no I/O, no clock, no global RNG. Everything the k6 library computes is tested against
//! what this crate computes (`ves vectors`), and both against captures of the real server.
//!
//! ```
//! use ves_core::{sign, UnsignedEvent};
//! let key = sign::signing_key_from_seed(&[1u8; 32]);
//! let event = UnsignedEvent {
//!     event_id: uuid::Uuid::nil(), tenant_id: uuid::Uuid::nil(), store_id: uuid::Uuid::nil(),
//!     source_agent_id: uuid::Uuid::nil(), agent_key_id: 1,
//!     entity_type: "order".into(), entity_id: "o-1".into(), event_type: "order.created".into(),
//!     created_at: "2025-01-01T00:00:00.000Z".into(),
//!     payload: serde_json::json!({"total": 99.99}),
//! }
//! .sign(&key)
//! .unwrap();
//! event.verify_signature(&key.verifying_key()).unwrap();
//! ```

pub mod answer;
pub mod api;
pub mod commitment;
pub mod content;
pub mod envelope;
pub mod error;
pub mod generate;
pub mod hash;
pub mod hexfmt;
pub mod jcs;
pub mod limits;
pub mod merkle;
pub mod mutation;
pub mod receipt;
pub mod shapes;
pub mod sign;
pub mod spelling;
pub mod stream;
pub mod time;

pub use commitment::{check_chain, ChainStart, Commitment};
pub use envelope::{EventEnvelope, IngestRequest, PayloadKind, UnsignedEvent};
pub use error::{Error, ProofError, Result};
pub use hash::{leaf_hash, receipt_hash, Hash, PAD_LEAF, ZERO_HASH};
pub use merkle::{verify_inclusion, Anchor, InclusionProof, MerkleTree, TreeHead};
pub use receipt::Receipt;
pub use stream::stream_store_id;
