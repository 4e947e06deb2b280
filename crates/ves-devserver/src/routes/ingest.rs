//! `POST /api/v1/ves/events/ingest`: the whole-request checks of the real handler, in its
//! order (VES_V1.md §5.2 step 3), then the sequencer. Errors here are `ApiError` JSON; axum's
//! `Json` extractor has already answered 413/415/400/422 in plain text.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ves_core::api::IngestResponse;
use ves_core::limits;

use crate::auth::Principal;
use crate::errors::{ApiError, AuthError};
use crate::sequencer::{self, Failure};
use crate::state::App;
use crate::wire::{VesEventEnvelope, VesIngestRequest, WireKind};

pub async fn ingest(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Json(body): Json<VesIngestRequest>,
) -> Response {
    // Test fault `shed_above_rate` (faults.rs): a known capacity knee for `ves capacity`'s tests.
    if app.faults.shed_events(body.events.len()) {
        return AuthError::PoolExhausted.into_response();
    }
    // As the real handler: timed from its start to its answer, errors included (its TimerGuard),
    // and every event of the request counted before any check (LIVE_OBSERVED.md §11).
    let started = Instant::now();
    app.metrics.ingest_received(body.events.len());
    let response = ingest_checked(app.clone(), principal, body)
        .await
        .into_response();
    app.metrics.ingest_answered(started.elapsed());
    response
}

async fn ingest_checked(
    app: Arc<App>,
    principal: Principal,
    body: VesIngestRequest,
) -> Result<Json<IngestResponse>, ApiError> {
    check_request(&principal, &body)?;
    let worker = app.clone();
    let outcome = tokio::task::spawn_blocking(move || sequencer::ingest(&worker, body.events))
        .await
        .map_err(|e| {
            eprintln!("ves-devserver: ingest task failed: {e}");
            ApiError::internal()
        })?;
    if outcome.is_err() {
        app.metrics.database_error();
    }
    match outcome {
        Ok(response) => Ok(Json(response)),
        Err(Failure::Nul(id)) => {
            eprintln!(
                "ves-devserver: event {id} contains U+0000; answering 500 as the real \
                 sequencer does (its PostgreSQL refuses NUL)"
            );
            Err(ApiError::internal())
        }
        Err(Failure::Db(e)) => {
            eprintln!("ves-devserver: database error during ingest: {e}");
            Err(ApiError::internal())
        }
        Err(Failure::Contention) => Err(ApiError::internal()),
    }
}

fn check_request(principal: &Principal, body: &VesIngestRequest) -> Result<(), ApiError> {
    let Some(first) = body.events.first() else {
        return Err(ApiError::invalid_field("events must not be empty"));
    };
    let (tenant, store) = (first.tenant_id, first.store_id);
    if body
        .events
        .iter()
        .any(|e| e.tenant_id != tenant || e.store_id != store)
    {
        return Err(ApiError::invalid_field(
            "All events in a batch must share the same tenantId and storeId",
        ));
    }
    if principal.agent_id.is_some_and(|a| a != body.agent_id) {
        return Err(ApiError::forbidden("Agent mismatch"));
    }
    if body
        .events
        .iter()
        .any(|e| e.source_agent_id != body.agent_id)
    {
        return Err(ApiError::invalid_field(
            "event source_agent_id must match request agent_id",
        ));
    }
    principal.ensure_write(&tenant, &store)?;
    let n = body.events.len();
    if n > limits::MAX_EVENTS_PER_BATCH {
        return Err(ApiError::too_large(format!(
            "Batch exceeds max_events_per_batch ({n} > {})",
            limits::MAX_EVENTS_PER_BATCH
        )));
    }
    // One pass, lengths then payload per event, as the real `enforce_ves_limits`.
    for e in &body.events {
        check_lengths(e)?;
        check_payload(e)?;
    }
    Ok(())
}

fn check_lengths(e: &VesEventEnvelope) -> Result<(), ApiError> {
    for (field, value, max) in [
        ("entity_type", &e.entity_type, limits::ENTITY_TYPE_MAX_BYTES),
        ("entity_id", &e.entity_id, limits::ENTITY_ID_MAX_BYTES),
        ("event_type", &e.event_type, limits::EVENT_TYPE_MAX_BYTES),
    ] {
        // `len()` counts bytes, although the real text says "characters".
        if value.is_empty() || value.len() > max {
            return Err(ApiError::invalid_field(format!(
                "Event {} {field} must be between 1 and {max} characters",
                e.event_id
            )));
        }
    }
    Ok(())
}

/// Counts serialized bytes without building them.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn check_payload(e: &VesEventEnvelope) -> Result<(), ApiError> {
    let missing = |what: &str| {
        ApiError::invalid_field(format!("Event {} missing {what} payload_kind", e.event_id))
    };
    let mut size = ByteCount(0);
    let written = match e.payload_kind {
        WireKind::Plaintext => {
            let payload = e
                .payload
                .as_ref()
                .ok_or_else(|| missing("payload for plaintext"))?;
            serde_json::to_writer(&mut size, payload)
        }
        // The typed structure is what the real server measures (its field order, no unknown
        // fields), not the JSON as sent.
        WireKind::Encrypted => {
            let payload = e
                .payload_encrypted
                .as_ref()
                .ok_or_else(|| missing("payload_encrypted for encrypted"))?;
            serde_json::to_writer(&mut size, payload)
        }
    };
    written.map_err(|_| ApiError::internal())?;
    if size.0 > limits::MAX_PAYLOAD_BYTES {
        return Err(ApiError::too_large(format!(
            "Event {} payload exceeds max_event_payload_size ({} > {})",
            e.event_id,
            size.0,
            limits::MAX_PAYLOAD_BYTES
        )));
    }
    Ok(())
}
