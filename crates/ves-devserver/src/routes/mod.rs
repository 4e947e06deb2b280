//! HTTP handlers, one module per area of the real API.

pub mod commitments;
pub mod health;
pub mod ingest;
pub mod keys;
pub mod legacy;
pub mod metrics;
pub mod proofs;

use serde::Deserialize;
use uuid::Uuid;

use crate::errors::TextError;

/// Runs database work on the blocking pool, off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, TextError> + Send + 'static,
) -> Result<T, TextError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(TextError::server_error()))
}

/// `?tenant_id=&store_id=` (the real `HeadQuery`).
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
}
