//! Agent signing keys (`POST /api/v1/agents/keys`, plain-text errors) and agent-scoped API
//! keys (`POST /api/v1/agents/{agentId}/api-keys`, JSON errors), as on the real server
//! (VES_V1.md §4.1, §4.3; LIVE_OBSERVED.md §2). Re-registering a key is idempotent when
//! nothing differs and 409 otherwise; the real server answers 500 to both.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::blocking;
use crate::auth::{key_hash, Principal};
use crate::db::keys::{self as store, AgentKeyRow, ApiKeyRow};
use crate::errors::{agent_error, TextError};
use crate::profile::KeyAlgorithm;
use crate::state::App;

fn parse_validity(field: &str, value: &Option<String>) -> Result<Option<DateTime<Utc>>, TextError> {
    value
        .as_deref()
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| TextError::bad_request(format!("Invalid {field} timestamp: {e}")))
        })
        .transpose()
}

/// The real `RegisterAgentKeyRequest`, field for field (its 422 texts: `keyAlgorithm` is an
/// `i32`, the bundles are typed).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterAgentKeyRequest {
    pub tenant_id: Uuid,
    pub agent_id: Uuid,
    pub key_id: u32,
    pub public_key: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub key_algorithm: Option<i32>,
    pub public_key_bundle: Option<PublicKeyBundleRequest>,
    pub proof_of_possession_bundle: Option<ProofOfPossessionBundleRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyBundleRequest {
    pub ed25519_public_key: Option<String>,
    pub ml_dsa_65_public_key: Option<String>,
    pub x25519_public_key: Option<String>,
    pub ml_kem_768_public_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofOfPossessionBundleRequest {
    pub ed25519_pop: Option<String>,
    pub ml_dsa_65_pop: Option<String>,
}

/// Hex with an optional `0x`, the real `decode_hex` and its text.
fn decode_hex(text: &str, field: &str) -> Result<Vec<u8>, TextError> {
    hex::decode(text.strip_prefix("0x").unwrap_or(text))
        .map_err(|e| TextError::bad_request(format!("Invalid {field} hex: {e}")))
}

/// The bundles' hex checks, in the real order; the devserver keeps none of their material.
fn check_bundles(req: &RegisterAgentKeyRequest) -> Result<(), TextError> {
    if let Some(b) = &req.public_key_bundle {
        if let Some(h) = &b.ed25519_public_key {
            if decode_hex(h, "ed25519_public_key")?.len() != 32 {
                return Err(TextError::bad_request(
                    "ed25519_public_key must be 32 bytes",
                ));
            }
        }
        for (value, field) in [
            (&b.ml_dsa_65_public_key, "ml_dsa_65_public_key"),
            (&b.x25519_public_key, "x25519_public_key"),
            (&b.ml_kem_768_public_key, "ml_kem_768_public_key"),
        ] {
            if let Some(h) = value {
                decode_hex(h, field)?;
            }
        }
    }
    if let Some(p) = &req.proof_of_possession_bundle {
        if let Some(h) = &p.ed25519_pop {
            if decode_hex(h, "ed25519_pop")?.len() != 64 {
                return Err(TextError::bad_request("ed25519_pop must be 64 bytes"));
            }
        }
        if let Some(h) = &p.ml_dsa_65_pop {
            decode_hex(h, "ml_dsa_65_pop")?;
        }
    }
    Ok(())
}

/// The real proof-of-possession rules as far as they do not need ML-DSA: required for the
/// ML-DSA algorithms; for the others the real handler passes an empty legacy PoP, so any
/// bundle fails (`invalid signature format` for Ed25519 keys, `invalid public key format`
/// for the encryption algorithms).
fn check_pop(req: &RegisterAgentKeyRequest, algorithm: KeyAlgorithm) -> Result<(), TextError> {
    let failed = |why: &str| {
        Err(TextError::bad_request(format!(
            "Proof of possession verification failed: {why}"
        )))
    };
    match (&req.proof_of_possession_bundle, algorithm) {
        (None, a) if a.needs_pop() => Err(TextError::bad_request(
            "Proof of possession is required for hybrid and pqc-strict key registrations",
        )),
        (None, _) => Ok(()),
        // Deliberate difference: ML-DSA is not implemented (docs/DEVSERVER.md).
        (Some(_), a) if a.needs_pop() => Err(TextError::bad_request(
            "ML-DSA key algorithms (3, 5) are not supported by ves-devserver",
        )),
        (Some(_), a) if a.verifies_ed25519() => failed("invalid signature format"),
        (Some(_), _) => failed("invalid public key format"),
    }
}

pub async fn register_agent_key(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Json(req): Json<RegisterAgentKeyRequest>,
) -> Result<Json<Value>, TextError> {
    principal.ensure_admin(&req.tenant_id)?;
    // The legacy profile allows every algorithm number (profile.rs).
    let algorithm_number = req.key_algorithm.unwrap_or(0);
    let algorithm = KeyAlgorithm::from_i32(algorithm_number);
    let bytes = decode_hex(&req.public_key, "public_key")?;
    let public_key: [u8; 32] = match bytes.try_into() {
        Ok(key) => key,
        // ML-DSA-65 only: the Ed25519 field may be anything.
        Err(_) if algorithm == KeyAlgorithm::MlDsa65 => [0; 32],
        Err(_) => return Err(TextError::bad_request("Public key must be 32 bytes")),
    };
    check_bundles(&req)?;
    check_pop(&req, algorithm)?;
    let valid_from = parse_validity("valid_from", &req.valid_from)?;
    let valid_to = parse_validity("valid_to", &req.valid_to)?;
    let row = AgentKeyRow {
        tenant_id: req.tenant_id,
        agent_id: req.agent_id,
        key_id: req.key_id,
        public_key,
        key_algorithm: algorithm_number,
        valid_from: req.valid_from.clone(),
        valid_to: req.valid_to.clone(),
    };
    blocking(move || {
        let now = Utc::now().to_rfc3339();
        let same = |old: &AgentKeyRow| {
            old.public_key == row.public_key
                && old.key_algorithm == row.key_algorithm
                && parse_validity("valid_from", &old.valid_from).ok() == Some(valid_from)
                && parse_validity("valid_to", &old.valid_to).ok() == Some(valid_to)
        };
        let inserted = app.db.write(|tx| {
            match store::get_agent_key(tx, &row.tenant_id, &row.agent_id, row.key_id)? {
                Some(old) if same(&old) => Ok(false),
                Some(_) => Err(TextError::new(
                    StatusCode::CONFLICT,
                    "Agent key already registered for this tenant, agent and keyId with a \
                     different public key or validity",
                )),
                None => {
                    store::insert_agent_key(tx, &row, &now)?;
                    Ok(true)
                }
            }
        })?;
        if inserted {
            app.agent_keys.insert(row);
        }
        Ok(())
    })
    .await?;
    Ok(Json(json!({
        "success": true,
        "tenantId": req.tenant_id,
        "agentId": req.agent_id,
        "keyId": req.key_id,
        "keyAlgorithm": algorithm_number,
        "message": "Agent key registered successfully",
    })))
}

/// The fields of the real `AgentRegistrationRequest` that must be present.
#[derive(Debug, Deserialize)]
pub struct AgentRegistrationRequest {
    #[allow(dead_code)]
    pub name: String,
}

/// `POST /api/v1/agents/register` (public): answered as the real server answers with its
/// default `PUBLIC_AGENT_REGISTRATION_ENABLED=false`; the devserver has no self-registration.
pub async fn register_agent(Json(_): Json<AgentRegistrationRequest>) -> Response {
    agent_error(
        StatusCode::FORBIDDEN,
        "public registration is disabled",
        "REGISTRATION_DISABLED",
    )
}

/// The real `CreateApiKeyRequest`: camelCase, every field optional (snake_case is ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKeyRequest {
    pub store_ids: Option<Vec<Uuid>>,
    pub read_only: Option<bool>,
    pub rate_limit: Option<u32>,
    pub admin: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyResponse {
    success: bool,
    api_key: String,
    key_hash_prefix: String,
    permissions: &'static str,
    message: &'static str,
}

fn forbidden(error: &str) -> Response {
    agent_error(StatusCode::FORBIDDEN, error, "FORBIDDEN")
}

fn not_found() -> Response {
    agent_error(StatusCode::NOT_FOUND, "Agent not found", "NOT_FOUND")
}

/// `ss_` + the first 8 characters of the tenant id + base64url of 24 random bytes.
fn new_key(tenant: &Uuid) -> Option<String> {
    let mut random = [0u8; 24];
    getrandom::getrandom(&mut random).ok()?;
    let tenant = tenant.to_string();
    Some(format!(
        "ss_{}{}",
        &tenant[..8],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    ))
}

/// A non-admin caller may mint keys no wider than its own (the real server's rules).
/// A refusal is a 403 with the returned text.
fn scope_of_new_key(p: &Principal, req: &CreateApiKeyRequest) -> Result<ApiKeyRow, &'static str> {
    let (read, write, admin) = if p.admin {
        match (req.admin.unwrap_or(false), req.read_only.unwrap_or(false)) {
            (true, _) => (true, true, true),
            (false, true) => (true, false, false),
            (false, false) => (true, true, false),
        }
    } else {
        if req.admin.unwrap_or(false) {
            return Err("Only admins can mint admin keys");
        }
        let read_only = req.read_only.unwrap_or(!p.write);
        if !read_only && !p.write {
            return Err("Cannot mint a key with broader write permissions");
        }
        (true, !read_only, false)
    };
    let store_ids = match (&req.store_ids, p.admin) {
        (Some(ids), true) => ids.clone(),
        (None, true) => Vec::new(),
        (None, false) => p.store_ids.clone(),
        (Some(ids), false) if ids.is_empty() && !p.store_ids.is_empty() => {
            return Err("Cannot widen store scope beyond the authenticating key")
        }
        (Some(ids), false) => {
            if !p.store_ids.is_empty() && !ids.iter().all(|id| p.store_ids.contains(id)) {
                return Err("Cannot mint a key for stores outside the authenticating key scope");
            }
            ids.clone()
        }
    };
    let rate_limit = match (p.admin, p.rate_limit, req.rate_limit) {
        (false, Some(current), Some(next)) if next > current => {
            return Err("Cannot mint a key with a higher rate limit than the authenticating key")
        }
        (false, current, requested) => requested.or(current),
        (true, _, requested) => requested,
    };
    Ok(ApiKeyRow {
        key_hash: String::new(),
        tenant_id: Uuid::nil(),
        agent_id: None,
        store_ids,
        read,
        write,
        admin,
        rate_limit,
    })
}

pub async fn create_api_key(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    Path(agent_id): Path<Uuid>,
    Json(req): Json<CreateApiKeyRequest>,
) -> Response {
    if principal.agent_id != Some(agent_id) && !principal.admin {
        return forbidden("Access denied");
    }
    let lookup = app.clone();
    let known_tenant = blocking(move || {
        // The real server finds an agent through its API keys only (which, there, public
        // self-registration creates); the devserver has no self-registration, so it also
        // accepts an agent known from its registered signing keys.
        let from_signing_keys = lookup
            .db
            .read(|c| store::tenant_of_agent_keys(c, &agent_id))?;
        Ok(lookup
            .api_keys
            .tenant_of_agent(&agent_id)
            .or(from_signing_keys))
    })
    .await;
    let known_tenant = match known_tenant {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let tenant = if principal.is_bootstrap_admin() {
        match known_tenant {
            Some(t) => t,
            None => return not_found(),
        }
    } else {
        let in_tenant = app
            .api_keys
            .agent_has_key_in(&principal.tenant_id, &agent_id)
            || known_tenant == Some(principal.tenant_id);
        if principal.admin && principal.agent_id != Some(agent_id) && !in_tenant {
            return not_found();
        }
        principal.tenant_id
    };
    let mut row = match scope_of_new_key(&principal, &req) {
        Ok(row) => row,
        Err(refusal) => return forbidden(refusal),
    };
    let Some(key) = new_key(&tenant) else {
        return agent_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "INTERNAL_ERROR",
        );
    };
    row.key_hash = key_hash(&key);
    row.tenant_id = tenant;
    row.agent_id = Some(agent_id);
    let permissions = match (row.admin, row.write) {
        (true, _) => "admin",
        (false, true) => "read_write",
        (false, false) => "read",
    };
    let response = ApiKeyResponse {
        success: true,
        api_key: key,
        key_hash_prefix: row.key_hash[..16].to_string(),
        permissions,
        message: "API key created. Store it securely - it cannot be retrieved later.",
    };
    let stored = blocking(move || {
        let now = Utc::now().to_rfc3339();
        app.db.write(|tx| store::insert_api_key(tx, &row, &now))?;
        app.api_keys.insert(row);
        Ok(())
    })
    .await;
    match stored {
        Ok(()) => Json(response).into_response(),
        Err(_) => agent_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "INTERNAL_ERROR",
        ),
    }
}
