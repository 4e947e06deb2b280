//! VES commitments (VES_V1.md §8): created on demand, contiguous per stream, idempotent for the
//! same range. Errors are plain text; sequencer errors read `internal error: …` with HTTP 400,
//! as observed. Unlike the real server, a stream's first commitment must start at 1.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;
use ves_core::hash::{self, ZERO_HASH};
use ves_core::{commitment, Commitment};

use super::{blocking, StreamQuery};
use crate::auth::Principal;
use crate::db::{commitments as store, events};
use crate::errors::TextError;
use crate::state::App;

/// The fields every answer shares (hashes bare hex; `json!` maps sort keys, as the real
/// server's output does).
fn fields(c: &Commitment) -> Map<String, Value> {
    match serde_json::to_value(c) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The real `CreateCommitmentRequest` (its name shows in 422 texts).
#[derive(Debug, serde::Deserialize)]
pub struct CreateCommitmentRequest {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub sequence_start: u64,
    pub sequence_end: u64,
}

pub async fn create(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Json(req): Json<CreateCommitmentRequest>,
) -> Result<Json<Value>, TextError> {
    principal.ensure_write(&req.tenant_id, &req.store_id)?;
    let c = blocking(move || create_commitment(&app, &req)).await?;
    Ok(Json(Value::Object(fields(&c))))
}

fn create_commitment(app: &App, req: &CreateCommitmentRequest) -> Result<Commitment, TextError> {
    let (tenant, store) = (req.tenant_id, req.store_id);
    let (start, end) = (req.sequence_start, req.sequence_end);
    // The real order: range direction, an existing commitment at `start`, contiguity, then
    // the events (whose count is only compared, and can only overflow, when some exist).
    if end < start {
        return Err(TextError::internal_400("invalid sequence range"));
    }

    let lock = app.commit_locks.get(&(tenant, store));
    let _guard = lock.lock();
    if let Some(existing) = app
        .db
        .read(|c| store::starting_at(c, &tenant, &store, start))?
    {
        if existing.sequence_end == end {
            return Ok(existing);
        }
        return Err(TextError::internal_400(format!(
            "commitment already exists for start {start} but ends at {} (requested {end})",
            existing.sequence_end
        )));
    }
    let prev_state_root = match app.db.read(|c| store::last(c, &tenant, &store))? {
        Some(last) if start != last.sequence_end + 1 => {
            return Err(TextError::internal_400(format!(
                "commitment range must start at {} (next after last committed sequence {})",
                last.sequence_end + 1,
                last.sequence_end
            )))
        }
        Some(last) => last.new_state_root,
        // The real server lets a stream's first commitment start anywhere, which makes the
        // events before it uncommittable forever; the devserver requires 1.
        None if start != 1 => {
            return Err(TextError::internal_400(
                "commitment range must start at 1 (the stream has no commitment yet)",
            ))
        }
        None => ZERO_HASH,
    };

    let sources = app
        .db
        .read(|c| events::leaf_sources(c, &tenant, &store, start, end))?;
    // `leaf_sources` binds the bounds as the real server does (`as i64`): an end above
    // i64::MAX (u64::MAX included) selects nothing, hence "no VES events in range".
    if sources.is_empty() {
        return Err(TextError::internal_400(
            "no VES events in range for commitment",
        ));
    }
    let expected = end
        .checked_sub(start)
        .and_then(|d| d.checked_add(1))
        .ok_or_else(|| TextError::internal_400("invalid sequence range"))?;
    if sources.len() as u64 != expected {
        return Err(TextError::internal_400(format!(
            "VES commitment range {start}..={end} contains {} events but expected {expected}",
            sources.len()
        )));
    }
    let mut leaves = Vec::with_capacity(sources.len());
    for (i, s) in sources.iter().enumerate() {
        let want = start + i as u64;
        if s.sequence_number != want {
            return Err(TextError::internal_400(format!(
                "non-contiguous sequence in VES commitment range: expected {want}, found {}",
                s.sequence_number
            )));
        }
        leaves.push(hash::leaf_hash(
            &tenant,
            &store,
            s.sequence_number,
            &s.signing_hash,
            &s.agent_signature,
        ));
    }
    let computed = commitment::compute(&tenant, &store, start, leaves, prev_state_root)
        .map_err(TextError::internal_400)?;
    let c = Commitment {
        batch_id: Uuid::new_v4(),
        tenant_id: tenant,
        store_id: store,
        ves_version: 1,
        tree_depth: computed.tree.depth(),
        leaf_count: computed.tree.leaf_count(),
        padded_leaf_count: computed.tree.padded_leaf_count(),
        merkle_root: computed.tree.root(),
        prev_state_root,
        new_state_root: computed.new_state_root,
        sequence_start: start,
        sequence_end: end,
        committed_at: Utc::now().to_rfc3339_opts(SecondsFormat::AutoSi, true),
    };
    app.db.write(|tx| store::insert(tx, &c))?;
    app.trees.put(c.batch_id, Arc::new(computed.tree));
    Ok(c)
}

pub async fn list(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Query(q): Query<StreamQuery>,
) -> Result<Json<Value>, TextError> {
    principal.ensure_read(&q.tenant_id, &q.store_id)?;
    let all =
        blocking(move || Ok(app.db.read(|c| store::list(c, &q.tenant_id, &q.store_id))?)).await?;
    let commitments: Vec<Value> = all
        .iter()
        .map(|c| {
            let mut m = fields(c);
            m.insert("is_anchored".into(), false.into());
            Value::Object(m)
        })
        .collect();
    Ok(Json(
        json!({"count": commitments.len(), "commitments": commitments}),
    ))
}

pub async fn get(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Path(batch_id): Path<Uuid>,
) -> Result<Json<Value>, TextError> {
    let c = blocking(move || Ok(app.db.read(|c| store::get(c, &batch_id))?))
        .await?
        .ok_or_else(|| TextError::new(StatusCode::NOT_FOUND, "Commitment not found"))?;
    principal.ensure_read(&c.tenant_id, &c.store_id)?;
    let mut m = fields(&c);
    for anchoring in [
        "chain_id",
        "chain_tx_hash",
        "chain_block_number",
        "anchored_at",
    ] {
        m.insert(anchoring.into(), Value::Null);
    }
    m.insert("is_anchored".into(), false.into());
    Ok(Json(Value::Object(m)))
}
