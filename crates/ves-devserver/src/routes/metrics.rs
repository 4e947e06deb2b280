//! `GET /metrics`: the server's own metrics (metrics.rs), for admin keys only, as on the real
//! server (`metrics_handler`: 403 "Admin permission required" in plain text for another key;
//! LIVE_OBSERVED.md §2, §11). Authentication itself is the API's middleware.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::auth::Principal;
use crate::errors::TextError;
use crate::metrics::CONTENT_TYPE;
use crate::state::App;

pub async fn metrics(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
) -> Response {
    if !principal.admin {
        return TextError::new(StatusCode::FORBIDDEN, "Admin permission required").into_response();
    }
    let text = app.metrics.render(&app.db.stats);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
