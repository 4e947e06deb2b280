//! The legacy reads (`/api/v1/head`, `/api/v1/events`, `/api/v1/entities/{type}/{id}`) in the
//! real shapes (VES_V1.md §7). The real server reads its legacy `events` table here, so a
//! VES-only stream shows 0 and nothing; the devserver has no legacy ingest and serves its VES
//! events instead, in the legacy envelope (a documented difference).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blocking, StreamQuery};
use crate::auth::Principal;
use crate::db::events::{self, LegacyRow};
use crate::errors::TextError;
use crate::state::App;

/// A timestamp as the legacy `DateTime<Utc>` fields serialize: UTC, `Z`.
fn utc(text: &str) -> String {
    DateTime::parse_from_rfc3339(text)
        .map(|t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true)
        })
        .unwrap_or_else(|_| text.to_string())
}

/// `{"envelope": {…legacy EventEnvelope…}, "sequenced_at": …}`.
fn sequenced_event(row: &LegacyRow) -> Value {
    let mut envelope = Map::new();
    let mut put = |k: &str, v: Value| {
        envelope.insert(k.to_string(), v);
    };
    put("event_id", row.event_id.to_string().into());
    put("tenant_id", row.tenant_id.to_string().into());
    put("store_id", row.store_id.to_string().into());
    put("entity_type", row.entity_type.clone().into());
    put("entity_id", row.entity_id.clone().into());
    put("event_type", row.event_type.clone().into());
    put(
        "payload",
        serde_json::from_str(&row.payload).unwrap_or(Value::Null),
    );
    // The legacy hash: SHA-256 of compact serde_json, which is what is stored.
    put(
        "payload_hash",
        hex::encode(Sha256::digest(row.payload.as_bytes())).into(),
    );
    put("created_at", utc(&row.created_at).into());
    put("source_agent", row.source_agent_id.to_string().into());
    put("sequence_number", row.sequence_number.into());
    put("envelope_version", 1.into());
    if let Some(c) = row.command_id {
        put("command_id", c.to_string().into());
    }
    if let Some(v) = row.base_version {
        put("base_version", v.into());
    }
    json!({"envelope": envelope, "sequenced_at": utc(&row.sequenced_at)})
}

pub async fn head(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Query(q): Query<StreamQuery>,
) -> Result<Json<Value>, TextError> {
    principal.ensure_read(&q.tenant_id, &q.store_id)?;
    let head = blocking(move || {
        Ok(app
            .db
            .read(|c| events::head(c, &q.tenant_id, &q.store_id))?)
    })
    .await?;
    Ok(Json(json!({"head_sequence": head})))
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub from: Option<u64>,
    pub limit: Option<u32>,
}

pub async fn list_events(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<Value>, TextError> {
    let requested = q.limit.unwrap_or(100);
    if requested == 0 {
        return Err(TextError::bad_request("limit must be greater than 0"));
    }
    let limit = u64::from(requested.min(1000));
    principal.ensure_read(&q.tenant_id, &q.store_id)?;
    let from = q.from.unwrap_or(0);
    let end = from.saturating_add(limit - 1);
    let rows = blocking(move || {
        Ok(app
            .db
            .read(|c| events::range(c, &q.tenant_id, &q.store_id, from, end))?)
    })
    .await?;
    // The real read refuses a range with a hole (409); only the skip_sequence fault makes one.
    for (expected, row) in (from.max(1)..).zip(&rows) {
        if row.sequence_number != expected {
            return Err(TextError::new(
                StatusCode::CONFLICT,
                format!(
                    "non-contiguous event sequence: expected {expected}, got {}",
                    row.sequence_number
                ),
            ));
        }
    }
    let events: Vec<Value> = rows.iter().map(sequenced_event).collect();
    Ok(Json(json!({"count": events.len(), "events": events})))
}

#[derive(Debug, Deserialize)]
pub struct EntityQuery {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    /// An offset into the entity's history, not a sequence number.
    pub from: Option<u64>,
    pub limit: Option<u32>,
}

const MAX_ENTITY_PAGE: u32 = 100;

pub async fn entity_history(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Path((entity_type, entity_id)): Path<(String, String)>,
    Query(q): Query<EntityQuery>,
) -> Result<Json<Value>, TextError> {
    if entity_type.is_empty() || entity_type.len() > 128 {
        return Err(TextError::bad_request(
            "entity_type must be between 1 and 128 characters",
        ));
    }
    if entity_id.is_empty() || entity_id.len() > 512 {
        return Err(TextError::bad_request(
            "entity_id must be between 1 and 512 characters",
        ));
    }
    let offset = q.from.unwrap_or(0);
    let limit = match q.limit.unwrap_or(MAX_ENTITY_PAGE) {
        0 => MAX_ENTITY_PAGE,
        n => n.min(MAX_ENTITY_PAGE),
    };
    principal.ensure_read(&q.tenant_id, &q.store_id)?;
    let (t, s, et, ei) = (
        q.tenant_id,
        q.store_id,
        entity_type.clone(),
        entity_id.clone(),
    );
    let (rows, total) = blocking(move || {
        let (mut rows, total) = app
            .db
            .read(|c| events::entity_page(c, &t, &s, &et, &ei, offset, u64::from(limit)))?;
        // Test fault `reorder_entity_reads` (faults.rs): the history out of order.
        app.faults.reorder_entity_page(&mut rows);
        Ok((rows, total))
    })
    .await?;
    let events: Vec<Value> = rows.iter().map(sequenced_event).collect();
    let count = events.len();
    Ok(Json(json!({
        "entity_type": entity_type,
        "entity_id": entity_id,
        "events": events,
        "count": count,
        "total": total,
        "has_more": offset.saturating_add(count as u64) < total,
    })))
}
