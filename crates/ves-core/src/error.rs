//! Errors. Each message says what was expected and what was found.

use thiserror::Error;

/// Everything that can go wrong when reading or checking VES data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("{field}: expected {expected_bytes} bytes as hex ({} hex digits, optional 0x), found {found}", expected_bytes * 2)]
    Hex {
        field: String,
        expected_bytes: usize,
        found: String,
    },

    #[error(
        "{field}: expected a UUID such as 00000000-0000-0000-0000-000000000000, found {found:?}"
    )]
    Uuid { field: String, found: String },

    #[error("created_at: expected an RFC 3339 timestamp such as 2025-01-01T00:00:00.000Z, found {found:?} ({reason})")]
    Timestamp { found: String, reason: String },

    #[error("{path}: contains U+0000, which the real sequencer's database rejects (the whole batch fails with HTTP 500); remove it")]
    NulCharacter { path: String },

    #[error("{field}: expected 1..={max} bytes of UTF-8, found {found} bytes")]
    FieldLength {
        field: &'static str,
        max: usize,
        found: usize,
    },

    #[error("events: expected at least one event, found an empty batch")]
    EmptyBatch,

    #[error("events: expected at most {max} events per batch, found {found}")]
    TooManyEvents { max: usize, found: usize },

    #[error("ves_version: expected 1, found {0}")]
    UnsupportedVersion(u32),

    #[error("payload: {0}")]
    Payload(String),

    #[error("invalid JSON: {0}")]
    Json(String),

    #[error("public key: {0}")]
    PublicKey(String),

    #[error("signature does not verify under the given public key")]
    BadSignature,

    #[error("receipt: {0}")]
    Receipt(String),

    #[error("inclusion proof rejected: {0}")]
    Proof(#[from] ProofError),

    #[error("commitment chain broken: {0}")]
    Chain(String),
}

/// Why an inclusion proof was rejected. Checks run before any hashing, as in
/// transparency-dev/merkle: bounds and lengths first, then the walk.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("proof_path has {found} siblings but the tree depth is {expected}")]
    PathLength { expected: usize, found: usize },

    #[error("directions has {found} entries but proof_path has {expected}")]
    DirectionsLength { expected: usize, found: usize },

    #[error("directions are required to verify against a bare root")]
    DirectionsMissing,

    #[error("leaf_index {index} is outside the tree (leaf_count {leaf_count})")]
    IndexOutOfRange { index: u64, leaf_count: u64 },

    #[error("directions[{level}] disagrees with bit {level} of leaf_index {index}")]
    DirectionMismatch { level: usize, index: u64 },

    #[error("commitment is inconsistent: {0}")]
    BadCommitment(String),

    #[error("the path does not lead to the root")]
    RootMismatch,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
