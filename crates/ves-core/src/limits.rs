//! The real sequencer's default limits (VES_V1.md §1, §5.7).

pub const MAX_EVENTS_PER_BATCH: usize = 1000;
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Compact `serde_json::to_vec` size of one payload.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
pub const ENTITY_TYPE_MAX_BYTES: usize = 128;
pub const ENTITY_ID_MAX_BYTES: usize = 512;
pub const EVENT_TYPE_MAX_BYTES: usize = 256;
