//! API-key authentication and tenant/store scoping, as the real middleware and
//! `auth_helpers` do it (VES_V1.md §4.3, §4.4; LIVE_OBSERVED.md §2).
//!
//! Credentials come from `Authorization` (or else, when that is absent or not visible ASCII,
//! `X-API-Key`): `ApiKey ss_…` or a raw `ss_…` is an API key, `Bearer …` is a JWT (never
//! configured here: 401 `invalid_jwt`), anything else is "missing". Keys are looked up by the
//! hex SHA-256 of the key. The rules are the real `src/auth/middleware.rs` (v0.2.7).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::{Mutex, RwLock};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::keys::ApiKeyRow;
use crate::errors::{ApiError, AuthError, TextError};
use crate::state::App;

/// Who is calling, with what rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant_id: Uuid,
    /// Set for agent-scoped keys: they may only ingest for this agent.
    pub agent_id: Option<Uuid>,
    /// Empty means every store of the tenant.
    pub store_ids: Vec<Uuid>,
    pub read: bool,
    pub write: bool,
    pub admin: bool,
    pub rate_limit: Option<u32>,
}

/// A refusal of `ensure_*`: 403 with this text (plain text, or `ApiError` JSON on ingest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub &'static str);

impl From<Denied> for TextError {
    fn from(d: Denied) -> Self {
        TextError::new(axum::http::StatusCode::FORBIDDEN, d.0)
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        ApiError::forbidden(d.0)
    }
}

impl Principal {
    fn bootstrap_admin() -> Self {
        Principal {
            tenant_id: Uuid::nil(),
            agent_id: None,
            store_ids: Vec::new(),
            read: true,
            write: true,
            admin: true,
            rate_limit: None,
        }
    }

    fn from_row(row: &ApiKeyRow) -> Self {
        Principal {
            tenant_id: row.tenant_id,
            agent_id: row.agent_id,
            store_ids: row.store_ids.clone(),
            read: row.read,
            write: row.write,
            admin: row.admin,
            rate_limit: row.rate_limit,
        }
    }

    /// A nil-tenant admin passes every tenant and store check.
    pub fn is_bootstrap_admin(&self) -> bool {
        self.admin && self.tenant_id.is_nil()
    }

    fn ensure_tenant_store(&self, tenant: &Uuid, store: &Uuid) -> Result<(), Denied> {
        if self.is_bootstrap_admin() {
            return Ok(());
        }
        if &self.tenant_id != tenant {
            return Err(Denied("Tenant access denied"));
        }
        if !store.is_nil() && !self.store_ids.is_empty() && !self.store_ids.contains(store) {
            return Err(Denied("Store access denied"));
        }
        Ok(())
    }

    pub fn ensure_read(&self, tenant: &Uuid, store: &Uuid) -> Result<(), Denied> {
        if !self.read {
            return Err(Denied("Read permission required"));
        }
        self.ensure_tenant_store(tenant, store)
    }

    pub fn ensure_write(&self, tenant: &Uuid, store: &Uuid) -> Result<(), Denied> {
        if !self.write {
            return Err(Denied("Write permission required"));
        }
        self.ensure_tenant_store(tenant, store)
    }

    pub fn ensure_admin(&self, tenant: &Uuid) -> Result<(), Denied> {
        if !self.admin {
            return Err(Denied("Admin permission required"));
        }
        self.ensure_tenant_store(tenant, &Uuid::nil())
    }
}

/// Hex SHA-256 of a key: what is stored and looked up.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The bootstrap admin key (kept in memory only) and the minted keys (stored, cached here).
pub struct ApiKeys {
    admin_hash: String,
    minted: RwLock<HashMap<String, ApiKeyRow>>,
}

impl ApiKeys {
    pub fn new(admin_key: &str, rows: Vec<ApiKeyRow>) -> Self {
        ApiKeys {
            admin_hash: key_hash(admin_key),
            minted: RwLock::new(rows.into_iter().map(|r| (r.key_hash.clone(), r)).collect()),
        }
    }

    pub fn insert(&self, row: ApiKeyRow) {
        self.minted.write().insert(row.key_hash.clone(), row);
    }

    fn lookup(&self, hash: &str) -> Option<Principal> {
        if hash == self.admin_hash {
            return Some(Principal::bootstrap_admin());
        }
        self.minted.read().get(hash).map(Principal::from_row)
    }

    /// The tenant of the agent's first minted key (how the real server finds an agent).
    pub fn tenant_of_agent(&self, agent: &Uuid) -> Option<Uuid> {
        self.minted
            .read()
            .values()
            .find(|k| k.agent_id.as_ref() == Some(agent))
            .map(|k| k.tenant_id)
    }

    pub fn agent_has_key_in(&self, tenant: &Uuid, agent: &Uuid) -> bool {
        self.minted
            .read()
            .values()
            .any(|k| &k.tenant_id == tenant && k.agent_id.as_ref() == Some(agent))
    }
}

/// Per-key fixed 60 s windows, for keys minted with a `rateLimit`.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

const RATE_WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    fn allow(&self, hash: &str, limit: u32) -> bool {
        let now = Instant::now();
        let mut windows = self.windows.lock();
        let entry = windows.entry(hash.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= RATE_WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        // The real limiter treats a limit of 0 as 1 (`requests_per_minute.max(1)`).
        entry.1 <= limit.max(1)
    }
}

enum Credential<'a> {
    ApiKey(&'a str),
    Jwt,
    Missing,
}

/// The real `Authenticator::authenticate`: exact, case-sensitive prefixes with one space and
/// no trimming, so `ApiKey  ss_…` (two spaces) is an API key that does not start with `ss_`
/// (invalid) and `ApiKey\tss_…` is no credential at all (missing).
fn credential(value: Option<&str>) -> Credential<'_> {
    let Some(value) = value else {
        return Credential::Missing;
    };
    if value.starts_with("Bearer ") {
        Credential::Jwt
    } else if let Some(key) = value.strip_prefix("ApiKey ") {
        Credential::ApiKey(key)
    } else if value.starts_with("ss_") {
        Credential::ApiKey(value)
    } else {
        Credential::Missing
    }
}

/// `Authorization` if it is visible ASCII, else `X-API-Key` if that is: the real middleware
/// reads both with `to_str().ok()` and takes the first usable one. Only the first header of
/// each name counts.
fn credential_header(headers: &HeaderMap) -> Option<&str> {
    fn usable<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
        headers.get(name).and_then(|v| v.to_str().ok())
    }
    usable(headers, AUTHORIZATION.as_str()).or_else(|| usable(headers, "x-api-key"))
}

/// The `/api/*` middleware: load shedding (a test fault), authentication, per-key rate limit.
pub async fn middleware(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    if app.faults.shedding() {
        return AuthError::PoolExhausted.into_response();
    }
    let key = match credential(credential_header(req.headers())) {
        Credential::ApiKey(key) => key,
        Credential::Jwt => return AuthError::InvalidJwt.into_response(),
        Credential::Missing => return AuthError::MissingAuth.into_response(),
    };
    if !key.starts_with("ss_") {
        return AuthError::InvalidApiKey.into_response();
    }
    let hash = key_hash(key);
    let Some(principal) = app.api_keys.lookup(&hash) else {
        return AuthError::InvalidApiKey.into_response();
    };
    if let Some(limit) = principal.rate_limit {
        if !app.rate_limiter.allow(&hash, limit) {
            return AuthError::RateLimited.into_response();
        }
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent_key(stores: Vec<Uuid>) -> Principal {
        Principal {
            tenant_id: Uuid::from_u128(7),
            agent_id: Some(Uuid::from_u128(9)),
            store_ids: stores,
            read: true,
            write: false,
            admin: false,
            rate_limit: None,
        }
    }

    #[test]
    fn scoping_texts_are_the_real_ones() {
        let (t, s) = (Uuid::from_u128(7), Uuid::from_u128(1));
        let p = agent_key(vec![s]);
        assert_eq!(p.ensure_read(&t, &s), Ok(()));
        assert_eq!(
            p.ensure_write(&t, &s),
            Err(Denied("Write permission required"))
        );
        assert_eq!(
            p.ensure_read(&Uuid::from_u128(8), &s),
            Err(Denied("Tenant access denied"))
        );
        assert_eq!(
            p.ensure_read(&t, &Uuid::from_u128(2)),
            Err(Denied("Store access denied"))
        );
        assert_eq!(p.ensure_admin(&t), Err(Denied("Admin permission required")));
        let admin = Principal::bootstrap_admin();
        assert_eq!(admin.ensure_write(&Uuid::from_u128(8), &s), Ok(()));
    }

    #[test]
    fn rate_limit_is_a_fixed_window() {
        let r = RateLimiter::default();
        assert!((0..3).all(|_| r.allow("k", 3)));
        assert!(!r.allow("k", 3));
        assert!(r.allow("other", 3));
    }
}
