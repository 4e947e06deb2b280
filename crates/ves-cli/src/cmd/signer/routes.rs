//! The HTTP API (docs/SIGNER.md):
//!
//! | route | does |
//! |---|---|
//! | `GET /health` | `{"status":"ok"}` (no token needed) |
//! | `GET /v1/keys` | public keys held |
//! | `POST /v1/keys` | generates a key, holds it, answers its public key |
//! | `GET /v1/keys/{public key}` | 200 when held, 404 otherwise |
//! | `POST /v1/batches` | signs a batch: a JSON meta line, `\n`, the exact ingest body |
//! | `POST /v1/sign-hashes` | signs bare 32-byte signing hashes (the k6 probes' re-signing) |
//! | `GET /metrics` | throughput and CPU, Prometheus text |

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use ves_core::{hexfmt, limits, sign};

use super::access::{self, Token};
use super::keys::{KeyError, KeyStore};
use super::metrics::Metrics;
use super::{batch, content};

/// The media type of a signed batch: one line of JSON (`BatchMeta`), `\n`, the ingest body.
pub const SIGNED_BATCH_TYPE: &str = "application/x-ves-signed-batch";

pub struct App {
    pub keys: KeyStore,
    pub metrics: Metrics,
    pub token: Option<Token>,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/v1/keys", get(list_keys).post(generate_key))
        .route("/v1/keys/:public_key", get(has_key))
        .route("/v1/batches", post(sign_batch))
        .route("/v1/sign-hashes", post(sign_hashes))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            access::require_token,
        ))
        // The request carries the fields, not the signed envelopes: the sequencer's body limit
        // bounds it comfortably, and the answer's size is checked against it again.
        .layer(axum::extract::DefaultBodyLimit::max(limits::MAX_BODY_BYTES))
        .with_state(app)
}

/// An error answer: `{"error": code, "message": …}` (and per-event `errors` where given).
pub fn refuse(app: &App, status: StatusCode, code: &str, message: &str) -> Response {
    app.metrics.counters.refused.fetch_add(1, Ordering::Relaxed);
    (
        status,
        axum::Json(json!({"error": code, "message": message})),
    )
        .into_response()
}

async fn list_keys(State(app): State<Arc<App>>) -> Response {
    let keys: Vec<Value> = app
        .keys
        .list()
        .into_iter()
        .map(|(public, origin)| json!({"publicKey": public, "origin": origin}))
        .collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

async fn generate_key(State(app): State<Arc<App>>) -> Response {
    match app.keys.generate() {
        Ok(public) => {
            eprintln!("ves signer: generated key {public}");
            (
                StatusCode::CREATED,
                axum::Json(json!({"publicKey": public, "origin": "generated"})),
            )
                .into_response()
        }
        Err(e @ KeyError::Full { .. }) => refuse(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_keys",
            &e.to_string(),
        ),
        Err(e @ KeyError::GenerateDisabled) => refuse(
            &app,
            StatusCode::FORBIDDEN,
            "generate_disabled",
            &e.to_string(),
        ),
    }
}

async fn has_key(State(app): State<Arc<App>>, Path(public): Path<String>) -> Response {
    match app.keys.get(&public) {
        Some(k) => axum::Json(json!({"publicKey": public.trim_start_matches("0x").to_ascii_lowercase(), "origin": k.origin})).into_response(),
        None => unknown_key(&app, &public),
    }
}

fn unknown_key(app: &App, public: &str) -> Response {
    let shown: String = public.chars().take(80).collect();
    refuse(
        app,
        StatusCode::NOT_FOUND,
        "unknown_key",
        &format!("this signer holds no key with public key {shown:?}; GET /v1/keys lists the ones it holds (start it with --seed-file, or POST /v1/keys to generate one)"),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BatchRequest {
    /// Public key (hex) of the key to sign with.
    key: String,
    agent_id: String,
    /// The fields of each event, as a scenario chose them; or, instead,
    #[serde(default)]
    events: Option<Vec<Value>>,
    /// the slot of the k6 library's seeded order content, made here (content.rs).
    #[serde(default)]
    content: Option<content::ContentSpec>,
    /// Kept for old clients: bodies are always in the canonical spelling, ASCII with `\u`
    /// escapes (ves_core::spelling); `false` is refused.
    #[serde(default)]
    ascii: Option<bool>,
}

async fn sign_batch(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: BatchRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", &format!("the request is not a batch: {e}; expected {{\"key\": public key hex, \"agentId\": UUID, \"events\": [fields…]}}")),
    };
    if req.agent_id.len() != 36 || uuid::Uuid::parse_str(&req.agent_id).is_err() {
        return refuse(
            &app,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!(
                "agentId: expected a UUID like 00000000-0000-0000-0000-000000000000, found {}",
                crate::json::describe(Some(&Value::String(req.agent_id.clone())))
            ),
        );
    }
    if req.ascii == Some(false) {
        return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", "ascii: false is no longer offered: every body is in the one canonical spelling, ASCII with \\u escapes, as the k6 library writes it (docs/SIGNER.md); leave ascii out");
    }
    // The batch's size, from the events sent or the content slot's count, is checked before
    // any content is made.
    let (n, what) = match (&req.events, &req.content) {
        (Some(events), None) => (events.len(), "events"),
        (None, Some(spec)) => (spec.count, "content.count"),
        _ => return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", "expected exactly one of \"events\" (the fields of each event) and \"content\" (a seeded content slot, docs/SIGNER.md)"),
    };
    if n == 0 || n > limits::MAX_EVENTS_PER_BATCH {
        return refuse(
            &app,
            if n == 0 {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::PAYLOAD_TOO_LARGE
            },
            "batch_size",
            &format!(
                "{what}: expected 1 to {} events (the sequencer's batch limit), found {n}",
                limits::MAX_EVENTS_PER_BATCH
            ),
        );
    }
    let events = match (req.events, &req.content) {
        (Some(events), _) => events,
        (None, Some(spec)) => match content::fields(spec, &req.agent_id) {
            Ok(events) => events,
            Err(message) => {
                return refuse(
                    &app,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_content",
                    &message,
                )
            }
        },
        (None, None) => unreachable!("checked above"),
    };
    let Some(held) = app.keys.get(&req.key) else {
        return unknown_key(&app, &req.key);
    };
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    // A content slot may ask for its varied spelling (SPELLING=varied): drawn from the slot.
    let varied = req.content.as_ref().and_then(content::varied_spelling);
    let signed = match batch::sign_batch(
        &held.key,
        &req.agent_id,
        events,
        &now,
        varied.as_ref().map(|(source, attempt)| (source, *attempt)),
    ) {
        Ok(s) => s,
        Err(errors) => {
            app.metrics.counters.refused.fetch_add(1, Ordering::Relaxed);
            let first = &errors[0];
            let message = format!(
                "{} problem{} in the events (at most {} listed); first: events[{}]{}{}: {}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                batch::MAX_LISTED_ERRORS,
                first.event,
                if first.field.is_empty() { "" } else { "." },
                first.field,
                first.message
            );
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(
                    json!({"error": "invalid_events", "message": message, "errors": errors}),
                ),
            )
                .into_response();
        }
    };
    if signed.body.len() > limits::MAX_BODY_BYTES {
        return refuse(
            &app,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            &format!("the signed ingest body would be {} bytes, above the sequencer's {} byte limit; send fewer or smaller events", signed.body.len(), limits::MAX_BODY_BYTES),
        );
    }
    app.metrics.signed(n);
    // Serializing plain strings and numbers cannot fail.
    let mut out = serde_json::to_string(&signed.meta).unwrap_or_default();
    out.push('\n');
    out.push_str(&signed.body);
    ([(header::CONTENT_TYPE, SIGNED_BATCH_TYPE)], out).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashesRequest {
    key: String,
    /// Signing hashes, 64 hex digits each (optional `0x`).
    hashes: Vec<String>,
}

async fn sign_hashes(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: HashesRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", &format!("the request is not a list of hashes: {e}; expected {{\"key\": public key hex, \"hashes\": [64 hex digits…]}}")),
    };
    if req.hashes.len() > limits::MAX_EVENTS_PER_BATCH {
        return refuse(
            &app,
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_size",
            &format!(
                "hashes: expected at most {} (the sequencer's batch limit), found {}",
                limits::MAX_EVENTS_PER_BATCH,
                req.hashes.len()
            ),
        );
    }
    let Some(held) = app.keys.get(&req.key) else {
        return unknown_key(&app, &req.key);
    };
    let mut signatures = Vec::with_capacity(req.hashes.len());
    for (i, h) in req.hashes.iter().enumerate() {
        match hexfmt::decode_fixed::<32>(h, &format!("hashes[{i}]")) {
            Ok(hash) => signatures.push(hexfmt::encode(&sign::sign_hash(&held.key, &hash))),
            Err(e) => {
                return refuse(
                    &app,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_hash",
                    &e.to_string(),
                )
            }
        }
    }
    app.metrics
        .counters
        .hashes
        .fetch_add(signatures.len() as u64, Ordering::Relaxed);
    axum::Json(json!({ "signatures": signatures })).into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(app.keys.len()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    //! The HTTP layer over a real socket: access, key generation rules and the size limits.
    use super::*;

    /// Serves `app` on a free loopback port in a background runtime; returns its base URL.
    fn serve(app: Arc<App>) -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, router(app)).await.unwrap();
            });
        });
        format!("http://{}", rx.recv().unwrap())
    }

    fn app(token: Option<&str>, generate: bool) -> Arc<App> {
        Arc::new(App {
            keys: KeyStore::new(10, generate),
            metrics: Metrics::new(),
            token: token.map(Token::new),
        })
    }

    fn status(r: Result<ureq::Response, ureq::Error>) -> (u16, String) {
        match r {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_token_guards_everything_but_health() {
        let url = serve(app(Some("t0ken"), false));
        assert_eq!(status(ureq::get(&format!("{url}/health")).call()).0, 200);
        let (code, body) = status(ureq::get(&format!("{url}/v1/keys")).call());
        assert_eq!(code, 401, "{body}");
        assert!(body.contains("SIGNER_TOKEN"), "{body}");
        let (code, _) = status(
            ureq::get(&format!("{url}/metrics"))
                .set("Authorization", "Bearer wrong")
                .call(),
        );
        assert_eq!(code, 401);
        // Right token, but generation is off (--no-generate): 403 with the reason.
        let (code, body) = status(
            ureq::post(&format!("{url}/v1/keys"))
                .set("Authorization", "Bearer t0ken")
                .send_string("{}"),
        );
        assert_eq!(code, 403, "{body}");
        assert!(body.contains("--no-generate"), "{body}");
    }

    #[test]
    fn a_signed_body_above_the_sequencer_limit_is_refused() {
        let url = serve(app(None, true));
        let (_, body) = status(ureq::post(&format!("{url}/v1/keys")).send_string("{}"));
        let key: Value = serde_json::from_str(&body).unwrap();
        let nil = "00000000-0000-0000-0000-000000000000";
        // 7 payloads of 500,000 'é' (1 MB of UTF-8 each: under the per-payload and, together,
        // the 10 MiB request limit) become 7 x 3 MB of \u00e9 escapes in an ASCII body.
        let text = "é".repeat(500_000);
        let events: Vec<Value> = (0..7)
            .map(|i| {
                json!({"tenant_id": nil, "store_id": nil, "agent_key_id": 1, "entity_type": "t",
                            "entity_id": format!("e{i}"), "event_type": "x", "payload": [text]})
            })
            .collect();
        let request = json!({"key": key["publicKey"], "agentId": nil, "events": events});
        let (code, body) =
            status(ureq::post(&format!("{url}/v1/batches")).send_string(&request.to_string()));
        assert_eq!(code, 413, "{body}");
        assert!(body.contains("body_too_large"), "{body}");
        // A request above 10 MiB is refused before it is read.
        let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(limits::MAX_BODY_BYTES));
        let (code, _) = status(ureq::post(&format!("{url}/v1/batches")).send_string(&huge));
        assert_eq!(code, 413);
        let metrics = status(ureq::get(&format!("{url}/metrics")).call()).1;
        assert!(
            metrics.contains("ves_signer_requests_refused_total 1\n"),
            "{metrics}"
        );
    }
}
