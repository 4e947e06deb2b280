//! Inclusion proofs (VES_V1.md §9): served from a commitment's tree, rebuilt from the stored
//! events and checked against the stored root; and the stateless `POST …/verify`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
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

/// The real `hex::decode` then `try_into::<[u8; 32]>()`: bare hex only (`0x…` is a decode
/// error), any case; `Err(None)` for a wrong length, `Err(Some(hex error))` otherwise.
fn decode_hash(text: &str) -> Result<Hash, Option<hex::FromHexError>> {
    let bytes = hex::decode(text).map_err(Some)?;
    bytes.try_into().map_err(|_| None)
}

/// The real `VerifyVesProofRequest`: `leaf_index` is a `usize`, which shows in serde's texts
/// (`expected usize`).
#[derive(Debug, Deserialize)]
pub struct VerifyVesProofRequest {
    pub leaf_hash: String,
    pub merkle_root: String,
    pub proof_path: Vec<String>,
    pub leaf_index: usize,
}

pub async fn verify(
    Extension(principal): Extension<Principal>,
    Json(req): Json<VerifyVesProofRequest>,
) -> Result<Json<Value>, TextError> {
    if !principal.read && !principal.admin {
        return Err(TextError::new(
            StatusCode::FORBIDDEN,
            "Read permission required",
        ));
    }
    // Texts and order of the real `verify_ves_proof`.
    let leaf = decode_hash(&req.leaf_hash).map_err(|e| match e {
        Some(_) => TextError::bad_request("Invalid leaf_hash format"),
        None => TextError::bad_request("leaf_hash must be 32 bytes"),
    })?;
    let root = decode_hash(&req.merkle_root).map_err(|e| match e {
        Some(e) => TextError::bad_request(format!("Invalid merkle_root: {e}")),
        None => TextError::bad_request("merkle_root must be 32 bytes"),
    })?;
    if req.proof_path.len() > MAX_PROOF_PATH {
        return Err(TextError::bad_request(format!(
            "proof_path exceeds maximum length of {MAX_PROOF_PATH}"
        )));
    }
    let path = req
        .proof_path
        .iter()
        .map(|s| {
            decode_hash(s).map_err(|e| match e {
                Some(e) => TextError::bad_request(format!("Invalid proof hash: {e}")),
                None => TextError::bad_request("Each proof hash must be 32 bytes"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
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
