//! Checking the sequencer's answers natively (docs/SIGNER.md, "Checking answers"): k6 hands
//! over an answer's text as it came, unparsed, with what only k6 knows of the batch, and gets a
//! compact verdict back (`ves_core::answer::Verdict`), judged by the one pass rule of ves-core.
//!
//! | route | does |
//! |---|---|
//! | `POST /v1/check` | one JSON line (which batch, the HTTP status, the events made invalid on purpose), `\n`, the answer text; answers the verdict |
//! | `POST /v1/corpora` | opens a `ves presign` corpus, so that the answers of a replay run can be checked by line |

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use ves_core::answer::{self, Expect, InvalidEvent, Originals, SentBatch, SentEvent, Signatures};
use ves_core::sign;

use super::corpus::Corpus;
use super::pending::{CheckOptions, Held};
use super::routes::{refuse, App};

/// How the answer to a signed batch is to be checked: `"check": {…}` in POST /v1/batches.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckSpec {
    /// SEQUENCER_PUBLIC_KEY (hex): verify sequencer signatures on a sample.
    #[serde(default)]
    sequencer_public_key: Option<String>,
    /// RECEIPT_SIG_SAMPLE: the share of receipts whose signature is verified (0 to 1).
    #[serde(default)]
    signature_sample: f64,
}

impl CheckSpec {
    pub fn options(&self) -> Result<CheckOptions, String> {
        if !(0.0..=1.0).contains(&self.signature_sample) {
            return Err(format!(
                "check.signatureSample: expected a share from 0 to 1, found {}",
                self.signature_sample
            ));
        }
        let sequencer_key = match &self.sequencer_public_key {
            None => None,
            Some(hex) => Some(
                sign::verifying_key_from_hex(hex)
                    .map_err(|e| format!("check.sequencerPublicKey: {e}"))?,
            ),
        };
        Ok(CheckOptions {
            sequencer_key,
            signature_sample: self.signature_sample,
        })
    }
}

/// The batch a signed body holds, for its answer's check: one stream, ids and signing hashes
/// from `parts` (event id 16 bytes || signing hash 32 bytes per event).
pub fn sent_batch(stream: (Uuid, Uuid), parts: &[u8]) -> SentBatch {
    SentBatch {
        tenant: stream.0,
        store: stream.1,
        events: parts
            .chunks_exact(48)
            .map(|p| {
                let mut signing_hash = [0u8; 32];
                signing_hash.copy_from_slice(&p[16..48]);
                SentEvent {
                    event_id: Uuid::from_slice(&p[..16]).unwrap_or_default().to_string(),
                    signing_hash,
                }
            })
            .collect(),
    }
}

/// The corpora opened by POST /v1/corpora, by id.
#[derive(Default)]
pub struct Corpora {
    open: Mutex<HashMap<String, Arc<Corpus>>>,
}

/// At most this many corpora are open at once (each holds two file handles per shard).
const MAX_CORPORA: usize = 16;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CorpusRequest {
    /// The corpus folder (REPLAY_DIR), absolute or relative to the signer's working directory.
    dir: PathBuf,
    #[serde(default)]
    check: CheckSpec,
}

pub async fn open_corpus(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: CorpusRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", &format!("the request is not a corpus: {e}; expected {{\"dir\": the corpus folder, \"check\": {{\"sequencerPublicKey\": hex, \"signatureSample\": 0.01}}}}")),
    };
    let options = match req.check.options() {
        Ok(o) => o,
        Err(m) => return refuse(&app, StatusCode::UNPROCESSABLE_ENTITY, "invalid_check", &m),
    };
    let dir = req.dir.clone();
    let corpus = match tokio::task::spawn_blocking(move || Corpus::open(&dir, options)).await {
        Ok(Ok(c)) => c,
        Ok(Err(m)) => return refuse(&app, StatusCode::UNPROCESSABLE_ENTITY, "invalid_corpus", &format!("{m} (the signer reads the corpus itself: give REPLAY_DIR as a path the signer can open, absolute if it runs elsewhere)")),
        Err(e) => return refuse(&app, StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string()),
    };
    let shards = corpus.shards();
    let seed = corpus.seed;
    let mut open = app.corpora.open.lock().unwrap_or_else(|e| e.into_inner());
    // The same folder again (each k6 process of a segmented run opens it) is the same corpus.
    let id = format!("{}", req.dir.display());
    if open.len() >= MAX_CORPORA && !open.contains_key(&id) {
        return refuse(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_corpora",
            &format!("this signer has {MAX_CORPORA} corpora open; restart it to open others"),
        );
    }
    open.insert(id.clone(), Arc::new(corpus));
    axum::Json(json!({"corpus": id, "shards": shards, "seed": seed})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckRequest {
    /// A batch signed with `"check"`: its handle.
    #[serde(default)]
    handle: Option<String>,
    /// A re-send of a batch whose first answer was checked with `"keep": true`.
    #[serde(default)]
    resend_of: Option<String>,
    /// A corpus line: corpus id (POST /v1/corpora), shard index, line index (from 0).
    #[serde(default)]
    corpus: Option<String>,
    #[serde(default)]
    shard: Option<usize>,
    #[serde(default)]
    line: Option<usize>,
    /// The HTTP status of the answer.
    status: u16,
    /// Events made invalid on purpose (INVALID_RATE).
    #[serde(default)]
    invalid: Vec<InvalidEvent>,
    /// Keep the batch's receipts to check its re-send (REPLAY_RATE).
    #[serde(default)]
    keep: bool,
    /// Events may come back as replays of an earlier send (a rerun with the same SEED).
    #[serde(default)]
    replays_allowed: bool,
}

pub async fn check(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let nl = body.iter().position(|b| *b == b'\n').unwrap_or(body.len());
    let req: CheckRequest = match serde_json::from_slice(&body[..nl]) {
        Ok(r) => r,
        Err(e) => return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", &format!("the first line is not a check request: {e}; expected {{\"handle\": …, \"status\": 200}}, a newline, then the sequencer's answer as it came")),
    };
    let text = body.get(nl + 1..).unwrap_or_default();
    let parsed = answer::parse_answer(text);
    let verdict = match (&req.handle, &req.resend_of, &req.corpus) {
        (Some(handle), None, None) => {
            let Some(Held::Signed(sent, options)) =
                app.pending.take_if(handle, |h| matches!(h, Held::Signed(..)))
            else {
                return unknown_handle(&app, handle);
            };
            let expect = Expect {
                invalid: req.invalid.clone(),
                replays_allowed: req.replays_allowed,
            };
            let v = judge(&sent, &expect, &options, req.status, parsed.as_ref());
            if req.keep && v.passed() && req.status == 200 {
                if let Some(a) = &parsed {
                    let first = sent.events.first().map_or("", |e| e.event_id.as_str());
                    let kept = Originals::from_answer(a, &req.invalid, first, sent.events.len());
                    app.pending.reinsert(handle, Held::Answered(kept));
                }
            }
            v
        }
        (None, Some(handle), None) => {
            let Some(Held::Answered(originals)) =
                app.pending.take_if(handle, |h| matches!(h, Held::Answered(..)))
            else {
                return unknown_handle(&app, handle);
            };
            answer::judge_resend(&originals, req.status, parsed.as_ref())
        }
        (None, None, Some(id)) => {
            let corpus = app
                .corpora
                .open
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(id)
                .cloned();
            let Some(corpus) = corpus else {
                return refuse(&app, StatusCode::NOT_FOUND, "unknown_corpus", &format!("no corpus {id:?} is open here (POST /v1/corpora opens one; a restarted signer forgets them)"));
            };
            let (Some(shard), Some(line)) = (req.shard, req.line) else {
                return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", "a corpus line needs \"shard\" and \"line\" (from 0)");
            };
            let sent = match tokio::task::spawn_blocking(move || corpus.batch(shard, line).map(|b| (b, corpus))).await {
                Ok(Ok(b)) => b,
                Ok(Err(m)) => return refuse(&app, StatusCode::UNPROCESSABLE_ENTITY, "invalid_corpus", &m),
                Err(e) => return refuse(&app, StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string()),
            };
            let (sent, corpus) = sent;
            // A corpus may have been sent before (a second pass): its events may come back as replays.
            let expect = Expect {
                invalid: Vec::new(),
                replays_allowed: true,
            };
            judge(&sent, &expect, &corpus.options, req.status, parsed.as_ref())
        }
        _ => return refuse(&app, StatusCode::BAD_REQUEST, "bad_request", "expected exactly one of \"handle\" (a signed batch), \"resendOf\" (its re-send) and \"corpus\" (a corpus line)"),
    };
    app.metrics.checked(&verdict);
    axum::Json(verdict).into_response()
}

fn judge(
    sent: &SentBatch,
    expect: &Expect,
    options: &CheckOptions,
    status: u16,
    parsed: Option<&serde_json::Map<String, serde_json::Value>>,
) -> answer::Verdict {
    let mut rng = Sampler::new();
    let share = options.signature_sample;
    let mut sample = || rng.below(share);
    let mut signatures = Signatures {
        key: options.sequencer_key.as_ref(),
        sample: &mut sample,
    };
    answer::judge(sent, expect, status, parsed, &mut signatures)
}

fn unknown_handle(app: &App, handle: &str) -> Response {
    app.metrics
        .counters
        .unknown_handles
        .fetch_add(1, Ordering::Relaxed);
    let shown: String = handle.chars().take(40).collect();
    refuse(
        app,
        StatusCode::NOT_FOUND,
        "unknown_handle",
        &format!("this signer holds no batch {shown:?}: already checked, never signed here, or dropped unchecked (older than --check-ttl, or beyond --check-batches); the answer was NOT checked here"),
    )
}

/// A small, fast generator for the signature sample (xorshift64*, seeded from the OS).
struct Sampler(u64);

impl Sampler {
    fn new() -> Self {
        let mut seed = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        Sampler(u64::from_le_bytes(seed) | 1)
    }

    /// True with probability `share`.
    fn below(&mut self, share: f64) -> bool {
        if share <= 0.0 {
            return false;
        }
        if share >= 1.0 {
            return true;
        }
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((x >> 11) as f64 / (1u64 << 53) as f64) < share
    }
}
