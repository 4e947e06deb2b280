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
//! | `POST /v1/check` | checks the sequencer's answer to a batch (check.rs) |
//! | `POST /v1/corpora` | opens a `ves presign` corpus to check a replay run's answers (check.rs) |
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
use super::check::{self, CheckSpec, Corpora};
use super::keys::{KeyError, KeyStore};
use super::metrics::Metrics;
use super::pending::{Held, Pending};
use super::{batch, content};

/// The media type of a signed batch: one line of JSON (`BatchMeta`), `\n`, the ingest body.
pub const SIGNED_BATCH_TYPE: &str = "application/x-ves-signed-batch";

pub struct App {
    pub keys: KeyStore,
    pub metrics: Metrics,
    pub token: Option<Token>,
    /// Signed batches whose answers are still to be checked.
    pub pending: Pending,
    pub corpora: Corpora,
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
        .route("/v1/check", post(check::check))
        .route("/v1/corpora", post(check::open_corpus))
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
    /// Keep the batch to check the sequencer's answer to it (POST /v1/check), and how.
    #[serde(default)]
    check: Option<CheckSpec>,
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
    let check_options = match req.check.as_ref().map(CheckSpec::options) {
        None => None,
        Some(Ok(o)) => Some(o),
        Some(Err(m)) => return refuse(&app, StatusCode::UNPROCESSABLE_ENTITY, "invalid_check", &m),
    };
    // A checked batch is one stream (as the sequencer's numbering is): from the content slot, or
    // from the events, which must then agree.
    let stream = match (&req.content, &events) {
        (Some(spec), _) => stream_of(&spec.tenant_id, &spec.store_id),
        (None, events) => one_stream(events),
    };
    if check_options.is_some() && stream.is_none() {
        return refuse(&app, StatusCode::UNPROCESSABLE_ENTITY, "invalid_check", "check: the events of a checked batch must all be in one stream (the same tenant_id and store_id)");
    }
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
    let mut signed = signed;
    if let (Some(options), Some(stream)) = (check_options, stream) {
        let sent = check::sent_batch(stream, &signed.parts);
        signed.meta.handle = Some(app.pending.insert(Held::Signed(sent, options)));
    }
    // Serializing plain strings and numbers cannot fail.
    let mut out = serde_json::to_string(&signed.meta).unwrap_or_default();
    out.push('\n');
    out.push_str(&signed.body);
    ([(header::CONTENT_TYPE, SIGNED_BATCH_TYPE)], out).into_response()
}

fn stream_of(tenant: &str, store: &str) -> Option<(uuid::Uuid, uuid::Uuid)> {
    Some((
        uuid::Uuid::parse_str(tenant).ok()?,
        uuid::Uuid::parse_str(store).ok()?,
    ))
}

/// The one stream of a batch's events, or None when they name several (or none).
fn one_stream(events: &[Value]) -> Option<(uuid::Uuid, uuid::Uuid)> {
    let mut streams = events.iter().map(|e| {
        stream_of(
            e.get("tenant_id").and_then(Value::as_str).unwrap_or(""),
            e.get("store_id").and_then(Value::as_str).unwrap_or(""),
        )
    });
    let first = streams.next()??;
    streams.all(|s| s == Some(first)).then_some(first)
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
        app.metrics.render(
            app.keys.len(),
            app.pending.len(),
            app.pending.dropped.load(Ordering::Relaxed),
        ),
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
            pending: Pending::new(100, std::time::Duration::from_secs(60)),
            corpora: Corpora::default(),
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

    /// A key made by the signer (`POST /v1/keys`): its public key, as a batch request names it.
    fn new_key(url: &str) -> String {
        let (_, body) = status(ureq::post(&format!("{url}/v1/keys")).send_string("{}"));
        serde_json::from_str::<Value>(&body).unwrap()["publicKey"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Signs `n` events of one stream with `"check"`; returns (handle, event ids, signing hashes).
    fn signed_for_check(url: &str, key: &str, n: usize) -> (String, Vec<String>, Vec<String>) {
        let nil = "00000000-0000-0000-0000-000000000000";
        let events: Vec<Value> = (0..n)
            .map(|i| json!({"tenant_id": nil, "store_id": nil, "agent_key_id": 1, "entity_type": "order",
                             "entity_id": format!("o-{i}"), "event_type": "order.created", "payload": {"n": i}}))
            .collect();
        let request =
            json!({"key": key, "agentId": nil, "events": events, "check": {"signatureSample": 0}});
        let (code, body) =
            status(ureq::post(&format!("{url}/v1/batches")).send_string(&request.to_string()));
        assert_eq!(code, 200, "{body}");
        let meta: Value = serde_json::from_str(body.split('\n').next().unwrap()).unwrap();
        let ids = meta["eventIds"].as_str().unwrap();
        let hashes = meta["signingHashes"].as_str().unwrap();
        (
            meta["handle"].as_str().expect("a handle").to_string(),
            (0..n)
                .map(|i| ids[36 * i..36 * i + 36].to_string())
                .collect(),
            (0..n)
                .map(|i| hashes[64 * i..64 * i + 64].to_string())
                .collect(),
        )
    }

    /// A correct sequencer's answer to those events, numbered from `start` (replays when `fresh` is false).
    fn answer(ids: &[String], hashes: &[String], start: u64, fresh: bool) -> String {
        let nil = uuid::Uuid::nil();
        let receipts: Vec<Value> = ids
            .iter()
            .zip(hashes)
            .enumerate()
            .map(|(i, (id, h))| {
                let id: uuid::Uuid = id.parse().unwrap();
                let sh = hexfmt::decode_fixed::<32>(h, "h").unwrap();
                let seq = start + i as u64;
                json!({"sequencerId": nil, "eventId": id, "sequenceNumber": seq, "sequencedAt": "2026-01-01T00:00:00.123456789+00:00",
                       "receiptHash": hexfmt::encode(&ves_core::receipt_hash(&nil, &nil, &id, seq, &sh)),
                       "signatureAlg": "none", "sequencerSignature": "", "sequencerKeyVersion": 0})
            })
            .collect();
        let n = ids.len() as u64;
        let (accepted, first, last) = if fresh {
            (n, json!(start), json!(start + n - 1))
        } else {
            (0, Value::Null, Value::Null)
        };
        json!({"eventsAccepted": accepted, "sequenceStart": first, "sequenceEnd": last, "headSequence": start + n, "receipts": receipts}).to_string()
    }

    fn check(url: &str, line: Value, answer: &str) -> (u16, Value) {
        let (code, body) = status(
            ureq::post(&format!("{url}/v1/check")).send_string(&format!("{line}\n{answer}")),
        );
        (code, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    #[test]
    fn an_answer_is_checked_once_by_its_handle_and_kept_for_its_resend() {
        let url = serve(app(None, true));
        let key = new_key(&url);
        let (handle, ids, hashes) = signed_for_check(&url, &key, 3);
        let (code, v) = check(
            &url,
            json!({"handle": handle, "status": 200, "keep": true}),
            &answer(&ids, &hashes, 41, true),
        );
        assert_eq!(code, 200, "{v}");
        assert_eq!(
            (
                v["everyEventAccepted"].as_bool(),
                v["everyReceiptVerifies"].as_bool()
            ),
            (Some(true), Some(true)),
            "{v}"
        );
        assert_eq!(v["seqs"], json!([[0, 3, 41]]));
        assert_eq!(v["receiptsChecked"], json!(3));
        // Checked once: the kept receipts wait for the re-send, not for a second first check.
        let (code, v) = check(
            &url,
            json!({"handle": handle, "status": 200}),
            &answer(&ids, &hashes, 41, true),
        );
        assert_eq!(
            (code, v["error"].as_str()),
            (404, Some("unknown_handle")),
            "{v}"
        );
        // The re-send, answered with the original receipts (sequencedAt cut to microseconds).
        let replayed = answer(&ids, &hashes, 41, false).replace("123456789+", "123456+");
        let (code, v) = check(&url, json!({"resendOf": handle, "status": 200}), &replayed);
        assert_eq!(code, 200, "{v}");
        assert_eq!(
            (v["replayed"].as_u64(), v["everyEventAccepted"].as_bool()),
            (Some(3), Some(true)),
            "{v}"
        );
        let (code, _) = check(&url, json!({"resendOf": handle, "status": 200}), &replayed);
        assert_eq!(code, 404, "a re-send is checked once too");
        let metrics = status(ureq::get(&format!("{url}/metrics")).call()).1;
        assert!(
            metrics.contains("ves_signer_answers_checked_total 2\n"),
            "{metrics}"
        );
        assert!(
            metrics.contains("ves_signer_unknown_handles_total 2\n"),
            "{metrics}"
        );
        assert!(
            metrics.contains("ves_signer_pending_batches 0\n"),
            "{metrics}"
        );
    }

    #[test]
    fn a_wrong_answer_gets_a_verdict_that_names_the_event() {
        let url = serve(app(None, true));
        let key = new_key(&url);
        let (handle, ids, mut hashes) = signed_for_check(&url, &key, 2);
        hashes[1] = "00".repeat(32); // the sequencer hashed another envelope for event 1
        let (code, v) = check(
            &url,
            json!({"handle": handle, "status": 200}),
            &answer(&ids, &hashes, 7, true),
        );
        assert_eq!(code, 200, "{v}");
        assert_eq!(v["everyReceiptVerifies"], json!(false), "{v}");
        assert_eq!(v["failures"][0]["eventId"], json!(ids[1]), "{v}");
        assert_eq!(
            v["failures"][0]["code"],
            json!("receipt_hash_mismatch"),
            "{v}"
        );
        // A checked batch is one stream.
        let nil = "00000000-0000-0000-0000-000000000000";
        let other = "11111111-1111-4111-8111-111111111111";
        let mixed = json!({"key": key, "agentId": nil, "check": {}, "events": [
            {"tenant_id": nil, "store_id": nil, "agent_key_id": 1, "entity_type": "t", "entity_id": "a", "event_type": "x", "payload": 1},
            {"tenant_id": nil, "store_id": other, "agent_key_id": 1, "entity_type": "t", "entity_id": "b", "event_type": "x", "payload": 2}]});
        let (code, body) =
            status(ureq::post(&format!("{url}/v1/batches")).send_string(&mixed.to_string()));
        assert_eq!(code, 422, "{body}");
        assert!(body.contains("one stream"), "{body}");
        // A bad first line is refused, saying what is expected.
        let (code, v) = check(&url, json!({"handle": "1"}), "{}");
        assert_eq!(code, 400, "{v}");
    }
}
