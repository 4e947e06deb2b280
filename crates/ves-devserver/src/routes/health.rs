//! `GET /health` (no database) and `GET /ready` (a database round trip); no auth.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use crate::state::App;

pub async fn health() -> Json<Value> {
    Json(json!({
        "status": "healthy",
        "service": "ves-devserver",
        "version": env!("CARGO_PKG_VERSION"),
        "timestamp": Utc::now().to_rfc3339(),
    }))
}

pub async fn ready(State(app): State<Arc<App>>) -> (StatusCode, Json<Value>) {
    let started = Instant::now();
    let probe = tokio::task::spawn_blocking(move || {
        app.db
            .read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
            .is_ok()
    })
    .await
    .unwrap_or(false);
    let database = json!({
        "connected": probe,
        "response_time_ms": started.elapsed().as_millis() as u64,
    });
    if probe {
        (
            StatusCode::OK,
            Json(json!({"database": database, "status": "ready"})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"database": database, "status": "not_ready"})),
        )
    }
}
