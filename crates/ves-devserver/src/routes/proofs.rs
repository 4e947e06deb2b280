//! Inclusion proofs (VES_V1.md §9): served from a commitment's tree, rebuilt from the stored
//! events and checked against the stored root; and the stateless `POST …/verify`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::api::VerifyProofRequest;
use ves_core::hash::{self, Hash};
use ves_core::{Commitment, MerkleTree};

use super::blocking;
use crate::auth::Principal;
use crate::db::{commitments, events};
use crate::errors::TextError;
use crate::state::App;

/// All three are required, as on the real server (`missing field `batch_id``).
#[derive(Debug, Deserialize)]
pub struct ProofQuery {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub batch_id: Uuid,
}

pub async fn get(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Path(sequence_number): Path<u64>,
    Query(q): Query<ProofQuery>,
) -> Result<Json<Value>, TextError> {
    principal.ensure_read(&q.tenant_id, &q.store_id)?;
    blocking(move || proof(&app, sequence_number, &q))
        .await
        .map(Json)
}

fn proof(app: &App, seq: u64, q: &ProofQuery) -> Result<Value, TextError> {
    let c = app
        .db
        .read(|conn| commitments::get(conn, &q.batch_id))?
        .ok_or_else(|| TextError::new(StatusCode::NOT_FOUND, "Commitment not found"))?;
    if (c.tenant_id, c.store_id) != (q.tenant_id, q.store_id) {
        return Err(TextError::new(
            StatusCode::FORBIDDEN,
            "Commitment access denied",
        ));
    }
    if seq < c.sequence_start || seq > c.sequence_end {
        return Err(TextError::bad_request(
            "Sequence number not in commitment range",
        ));
    }
    let tree = match app.trees.get(&c.batch_id) {
        Some(tree) => tree,
        None => {
            let tree = Arc::new(rebuild_tree(app, &c)?);
            app.trees.put(c.batch_id, tree.clone());
            tree
        }
    };
    let index = seq - c.sequence_start;
    let mut proof = tree.proof(index).ok_or_else(TextError::server_error)?;
    let leaf_hash = tree.levels()[0][index as usize];
    app.faults.tamper_proof(&mut proof);
    Ok(json!({
        "sequence_number": seq,
        "batch_id": c.batch_id,
        "merkle_root": hex::encode(c.merkle_root),
        "leaf_hash": hex::encode(leaf_hash),
        "leaf_index": proof.leaf_index,
        "proof_path": proof.proof_path.iter().map(hex::encode).collect::<Vec<_>>(),
        "directions": proof.directions,
    }))
}

fn rebuild_tree(app: &App, c: &Commitment) -> Result<MerkleTree, TextError> {
    let (t, s) = (c.tenant_id, c.store_id);
    let sources = app
        .db
        .read(|conn| events::leaf_sources(conn, &t, &s, c.sequence_start, c.sequence_end))?;
    let leaves = sources
        .iter()
        .map(|e| {
            hash::leaf_hash(
                &t,
                &s,
                e.sequence_number,
                &e.signing_hash,
                &e.agent_signature,
            )
        })
        .collect();
    let tree = MerkleTree::new(leaves);
    if tree.root() != c.merkle_root || tree.leaf_count() != c.leaf_count {
        return Err(TextError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Commitment merkle_root does not match ves_events",
        ));
    }
    Ok(tree)
}

/// The real server's limit on `proof_path` (a tree of 2^64 leaves).
const MAX_PROOF_PATH: usize = 64;

/// Exactly 64 hex digits, no `0x`: the real endpoint refuses the prefixed form.
fn bare_hash(text: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    (text.len() == 64 && hex::decode_to_slice(text, &mut out).is_ok()).then_some(out)
}

pub async fn verify(
    Extension(principal): Extension<Principal>,
    Json(req): Json<VerifyProofRequest>,
) -> Result<Json<Value>, TextError> {
    if !principal.read && !principal.admin {
        return Err(TextError::new(
            StatusCode::FORBIDDEN,
            "Read permission required",
        ));
    }
    let leaf = bare_hash(&req.leaf_hash)
        .ok_or_else(|| TextError::bad_request("Invalid leaf_hash format"))?;
    let root = bare_hash(&req.merkle_root)
        .ok_or_else(|| TextError::bad_request("Invalid merkle_root format"))?;
    if req.proof_path.len() > MAX_PROOF_PATH {
        return Err(TextError::bad_request(format!(
            "proof_path must have at most {MAX_PROOF_PATH} entries"
        )));
    }
    let path = req
        .proof_path
        .iter()
        .map(|s| bare_hash(s))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| TextError::bad_request("Invalid proof_path format"))?;
    // Directions come from the index, as on the real server; it checks nothing else (no
    // index bound, no tree depth), and neither does this endpoint.
    let walked = path.iter().enumerate().fold(leaf, |cur, (level, sibling)| {
        if (req.leaf_index >> level) & 1 == 0 {
            hash::node_hash(&cur, sibling)
        } else {
            hash::node_hash(sibling, &cur)
        }
    });
    Ok(Json(json!({
        "valid": walked == root,
        "leaf_hash": req.leaf_hash,
        "merkle_root": req.merkle_root,
    })))
}
