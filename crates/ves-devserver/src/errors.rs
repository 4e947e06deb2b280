//! The three error body formats of the real server (LIVE_OBSERVED.md §3):
//! - the auth middleware's JSON `{"code","error"}`;
//! - the ingest handler's `ApiError` JSON `{"error":{"code","numeric_code","message"}}` plus an
//!   `x-error-code` header;
//! - plain text (`text/plain; charset=utf-8`) from every other handler, as axum renders a
//!   `(StatusCode, String)`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A plain-text error, as most real handlers answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub status: StatusCode,
    pub message: String,
}

impl TextError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        TextError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A sequencer error, which the real commitment handler turns into 400 `internal error: …`.
    pub fn internal_400(message: impl std::fmt::Display) -> Self {
        Self::bad_request(format!("internal error: {message}"))
    }

    pub fn server_error() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl IntoResponse for TextError {
    fn into_response(self) -> Response {
        (self.status, self.message).into_response()
    }
}

/// A database failure in a plain-text handler: logged, answered as the real server does.
impl From<rusqlite::Error> for TextError {
    fn from(e: rusqlite::Error) -> Self {
        eprintln!("ves-devserver: database error: {e}");
        TextError::server_error()
    }
}

/// The ingest handler's structured error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub numeric_code: u32,
    pub message: String,
}

impl ApiError {
    pub fn invalid_field(message: impl Into<String>) -> Self {
        Self::make(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD_VALUE",
            3003,
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::make(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            1005,
            message,
        )
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::make(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            3004,
            message,
        )
    }

    pub fn internal() -> Self {
        Self::make(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            8999,
            "Internal server error",
        )
    }

    fn make(status: StatusCode, code: &'static str, numeric: u32, m: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            numeric_code: numeric,
            message: m.into(),
        }
    }
}

#[derive(Serialize)]
struct ApiErrorBody<'a> {
    error: ApiErrorDetails<'a>,
}

#[derive(Serialize)]
struct ApiErrorDetails<'a> {
    code: &'a str,
    numeric_code: u32,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            error: ApiErrorDetails {
                code: self.code,
                numeric_code: self.numeric_code,
                message: &self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert("x-error-code", HeaderValue::from_static(self.code));
        response
    }
}

/// The auth middleware's refusals (and its load shedding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    MissingAuth,
    InvalidApiKey,
    InvalidJwt,
    RateLimited,
    PoolExhausted,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, code, error) = match self {
            AuthError::MissingAuth => (
                StatusCode::UNAUTHORIZED,
                "missing_auth",
                "Missing authentication",
            ),
            AuthError::InvalidApiKey => (
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "Invalid API key",
            ),
            AuthError::InvalidJwt => (StatusCode::UNAUTHORIZED, "invalid_jwt", "Invalid JWT"),
            AuthError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Rate limit exceeded",
            ),
            AuthError::PoolExhausted => (
                StatusCode::SERVICE_UNAVAILABLE,
                "pool_exhausted",
                "Service temporarily unavailable",
            ),
        };
        // `json!` sorts keys, which gives the observed `{"code":…,"error":…}`.
        let mut response = (
            status,
            axum::Json(serde_json::json!({"code": code, "error": error})),
        )
            .into_response();
        if self == AuthError::RateLimited {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        response
    }
}

/// The JSON refusals of the agent handlers (`{"success":false,"error","code"}`).
pub fn agent_error(status: StatusCode, error: &str, code: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({"success": false, "error": error, "code": code})),
    )
        .into_response()
}
