//! # ves-devserver
//!
//! A local, single-process VES v1 sequencer with an embedded SQLite database. It answers the
//! real StateSet sequencer's HTTP API (paths, bodies, casing, status codes, error formats) so
//! that the k6 scenarios can run against it in demos and CI; every VES computation comes from
//! `ves-core`. It is not a production sequencer: docs/DEVSERVER.md lists what it does not do
//! and every deliberate difference from the real server.

pub mod auth;
pub mod config;
pub mod db;
pub mod errors;
pub mod faults;
pub mod identity;
pub mod jsonb;
pub mod metrics;
pub mod profile;
pub mod registry;
pub mod routes;
pub mod sequencer;
pub mod state;
pub mod wire;

use std::future::Future;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::auth::{ApiKeys, RateLimiter};
use crate::config::Config;
use crate::db::{Db, Storage};
use crate::faults::Faults;
use crate::registry::AgentKeys;
use crate::state::App;

/// Opens (or creates) the data folder and loads keys and identity.
pub fn build_app(cfg: &Config) -> Result<Arc<App>> {
    let faults = Faults::from_specs(&cfg.faults).map_err(anyhow::Error::msg)?;
    let storage = if cfg.memory {
        Storage::Memory
    } else {
        std::fs::create_dir_all(&cfg.data)
            .with_context(|| format!("creating the data folder {}", cfg.data.display()))?;
        Storage::File(cfg.data.clone())
    };
    let db = Db::open(storage, cfg.sync).context("opening the database")?;
    let identity = identity::load(cfg, &db)?;
    let agent_keys = AgentKeys::load(db.read(db::keys::all_agent_keys)?);
    let api_keys = ApiKeys::new(&cfg.admin_key, db.read(db::keys::all_api_keys)?);
    Ok(Arc::new(App {
        db,
        identity,
        api_keys,
        agent_keys,
        rate_limiter: RateLimiter::default(),
        streams: Default::default(),
        commit_locks: Default::default(),
        trees: Default::default(),
        faults,
        metrics: metrics::ServerMetrics::new(),
    }))
}

/// `x-request-id` (echoed or new) and the real server's security headers, on every response.
async fn common_headers(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .cloned()
        .or_else(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if let Some(id) = request_id {
        headers.insert("x-request-id", id);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}

/// Counts and times every answer for `/metrics`, labelled as the real server's
/// `http_metrics_middleware` does: method, route template (or the normalized path of a request
/// that matched no route) and status. Layered on the whole router, outside the body limit and the
/// API's authentication, so that 401s, 413s and 404s are counted too.
async fn http_metrics(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let uri_path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    app.metrics.http_answered(
        &method,
        route.as_deref(),
        &uri_path,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

pub fn router(app: Arc<App>) -> Router {
    use routes::{commitments, health, ingest, keys, legacy, metrics, proofs};
    let api = Router::new()
        .route("/api/v1/ves/events/ingest", post(ingest::ingest))
        .route(
            "/api/v1/ves/commitments",
            post(commitments::create).get(commitments::list),
        )
        .route("/api/v1/ves/commitments/:batch_id", get(commitments::get))
        .route("/api/v1/ves/proofs/verify", post(proofs::verify))
        .route("/api/v1/ves/proofs/:sequence_number", get(proofs::get))
        .route("/api/v1/agents/keys", post(keys::register_agent_key))
        .route(
            "/api/v1/agents/:agent_id/api-keys",
            post(keys::create_api_key),
        )
        .route("/api/v1/head", get(legacy::head))
        .route("/api/v1/events", get(legacy::list_events))
        .route(
            "/api/v1/entities/:entity_type/:entity_id",
            get(legacy::entity_history),
        )
        // Behind the API's authentication, as on the real server (LIVE_OBSERVED.md §2, §11).
        .route("/metrics", get(metrics::metrics))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::middleware,
        ));
    Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/api/v1/agents/register", post(keys::register_agent))
        .merge(api)
        .layer(DefaultBodyLimit::max(ves_core::limits::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(app.clone(), http_metrics))
        .layer(middleware::from_fn(common_headers))
        .with_state(app)
}

/// Serves until `shutdown` resolves, lets in-flight requests finish, then checkpoints.
pub async fn serve(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let app = build_app(&cfg)?;
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let data = if cfg.memory {
        "memory".to_string()
    } else {
        cfg.data.display().to_string()
    };
    println!(
        "ves-devserver listening url=http://{addr} sequencer_public_key={} sequencer_id={} \
         data={data} sync={}",
        app.identity.public_key_hex(),
        app.identity.sequencer_id,
        cfg.sync.name()
    );
    for fault in app.faults.describe() {
        eprintln!("WARNING: TEST FAULT ENABLED, this server misbehaves on purpose: {fault}");
    }
    axum::serve(listener, router(app.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    app.db.checkpoint().context("checkpointing the database")?;
    eprintln!("ves-devserver stopped");
    Ok(())
}
