//! The sequencer proper: per-event checks, replays, sequencing and receipts, in the real
//! server's order (VES_V1.md §3 "Order of per-event checks", §5.2 step 5, §5.6, §6).
//!
//! Work is split so that one stream's lock is held briefly and SQLite's single write lock
//! even more briefly:
//! 1. without any lock: parse-level facts, hashes, key lookup and Ed25519 verification;
//! 2. under the stream's lock: replay and duplicate checks (reads), sequence numbers, receipt
//!    hashes and signatures;
//! 3. under the write lock: one transaction that inserts the accepted events.
//!
//! An event id is unique across streams, so two streams can race for one; the loser's insert
//! conflicts, its transaction rolls back, and step 2 runs again and sees the winner's row.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use ves_core::api::{IngestResponse, Rejection};
use ves_core::hash::{self, Hash, ZERO_HASH};
use ves_core::{sign, EventEnvelope, PayloadKind, Receipt};

use crate::db::events::{self, NewEvent};
use crate::faults::{ReceiptFacts, ReplayAnswer};
use crate::state::App;
use crate::wire::VesEventEnvelope;

/// What the sequencer remembers about a stream between batches.
#[derive(Default)]
pub struct StreamState {
    /// Loaded from the database on first use.
    head: Option<u64>,
}

/// A whole-request failure of the sequencing step (HTTP 500, as on the real server).
#[derive(Debug)]
pub enum Failure {
    /// An event to be stored contains U+0000, which the real server's PostgreSQL refuses.
    Nul(Uuid),
    Db(rusqlite::Error),
    /// Event-id races with other streams did not settle (never seen; a guard).
    Contention,
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Db(e)
    }
}

/// One event with everything that does not depend on the database.
struct Prepared {
    env: EventEnvelope,
    signing_hash: Hash,
    /// Compact serde_json of the payload: what is stored and what the legacy reads hash.
    payload_text: String,
    /// Identifies the event's full content, for "replay or different contents": the same
    /// whatever the spelling of the request (fingerprint below).
    fingerprint: Hash,
    /// The first failing per-event check, if any.
    verdict: Option<(String, String)>,
    has_nul: bool,
}

fn rejection(event_id: Uuid, reason: impl Into<String>, message: impl Into<String>) -> Rejection {
    Rejection {
        event_id,
        reason: reason.into(),
        message: message.into(),
    }
}

/// `validate_event` of the real server, in its order. String lengths and a missing payload
/// are refused earlier for the whole request, so they cannot fail here.
fn validate(
    app: &App,
    env: &EventEnvelope,
    payload_jcs: Option<&str>,
    scheme: Option<i32>,
    signing_hash: &Hash,
    now: DateTime<Utc>,
) -> Option<(String, String)> {
    let fail = |reason: &str, message: &str| Some((reason.to_string(), message.to_string()));
    if env.ves_version != 1 {
        return Some((
            "unsupported_version".into(),
            format!("Expected VES version 1, got {}", env.ves_version),
        ));
    }
    match env.payload_kind {
        PayloadKind::Plaintext => {
            if env.payload_encrypted.is_some() {
                return fail(
                    "schema_validation: payload_encrypted",
                    "payload_encrypted must be omitted for plaintext events",
                );
            }
            if env.payload_cipher_hash != ZERO_HASH {
                return fail(
                    "schema_validation: payload_cipher_hash",
                    "payload_cipher_hash must be zero for plaintext events",
                );
            }
        }
        PayloadKind::Encrypted => {
            if env.payload.is_some() {
                return fail(
                    "schema_validation: payload",
                    "payload must be omitted for encrypted events",
                );
            }
            // Where the real server checks the VES-ENC-1 structure, the devserver refuses:
            // encrypted payloads are not supported (docs/DEVSERVER.md).
            return fail(
                "schema_validation: payload_encrypted",
                "encrypted payloads (payload_kind 1) are not supported by ves-devserver",
            );
        }
    }
    if env.check_created_at().is_err() {
        return fail(
            "schema_validation: created_at",
            "created_at must be RFC3339",
        );
    }
    if payload_jcs.map(hash::payload_plain_hash_from_jcs) != Some(env.payload_plain_hash) {
        return fail("invalid_payload_hash", "Payload hash verification failed");
    }
    let key =
        match app
            .agent_keys
            .usable(&env.tenant_id, &env.source_agent_id, env.agent_key_id, now)
        {
            Ok(key) => key,
            Err(problem) => {
                let message = problem.message();
                return Some((format!("agent_key_invalid: {message}"), message.to_string()));
            }
        };
    // The legacy profile allows every scheme; the ML-DSA ones fail against an Ed25519 key
    // without the signature being looked at.
    let pqc_scheme = crate::profile::is_ml_dsa_scheme(scheme);
    // One `verify` per event, never `verify_batch`: the batch equation decompresses R and so
    // accepts non-canonical encodings that the server's `verify` refuses.
    if pqc_scheme
        || (sign::verify_hash(&key, signing_hash, &env.agent_signature).is_err()
            && !app.faults.accept_bad_signature())
    {
        return fail(
            "invalid_signature",
            "Agent signature verification failed: VerificationFailed",
        );
    }
    None
}

/// What a replay must match: the signing hash (every signed field), the signature, the command
/// id and base version, and the payload's RFC 8785 text. The real server compares the payload
/// as parsed values after a JSONB round trip instead, so that some re-spelled replays (`7` vs
/// `7.0`) and even some exact ones (`1e16`) are refused there (LIVE_OBSERVED.md section 10;
/// the fault replay_spelling models it): a defect not copied (docs/DEVSERVER.md). `ves spec`'s
/// idempotency.respelled-replay-* properties hold this.
fn fingerprint(env: &EventEnvelope, signing_hash: &Hash, payload_jcs: &str) -> Hash {
    content_fingerprint(b"ves-devserver/replay/v2", env, signing_hash, payload_jcs)
}

/// The fingerprint of data folders written before v2: the payload's compact serde_json text
/// instead of its RFC 8785 text, so that their events still replay.
fn legacy_fingerprint(env: &EventEnvelope, signing_hash: &Hash, payload_text: &str) -> Hash {
    content_fingerprint(b"ves-devserver/replay/v1", env, signing_hash, payload_text)
}

fn content_fingerprint(
    domain: &[u8],
    env: &EventEnvelope,
    signing_hash: &Hash,
    payload_text: &str,
) -> Hash {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(signing_hash);
    h.update(env.agent_signature);
    match env.command_id {
        Some(c) => h.update([&[1u8][..], c.as_bytes()].concat()),
        None => h.update([0u8]),
    }
    match env.base_version {
        Some(v) => h.update([&[1u8][..], &v.to_be_bytes()].concat()),
        None => h.update([0u8]),
    }
    h.update(payload_text.as_bytes());
    h.finalize().into()
}

fn prepare(app: &App, wire: VesEventEnvelope, now: DateTime<Utc>) -> Prepared {
    let scheme = wire.agent_signature_scheme;
    let env = wire.into_envelope();
    let signing_hash = env.signing_hash();
    let payload_text = env
        .payload
        .as_ref()
        .map(|p| serde_json::to_string(p).unwrap_or_default())
        .unwrap_or_default();
    let payload_jcs = env.payload_jcs().ok();
    let fingerprint = fingerprint(&env, &signing_hash, payload_jcs.as_deref().unwrap_or(""));
    let verdict = validate(
        app,
        &env,
        payload_jcs.as_deref(),
        scheme,
        &signing_hash,
        now,
    );
    let has_nul = env.check_no_nul().is_err();
    Prepared {
        env,
        signing_hash,
        payload_text,
        fingerprint,
        verdict,
        has_nul,
    }
}

/// An accepted event: its stored receipt and the one the response shows (they differ only
/// under a test fault).
struct Accepted {
    index: usize,
    stored: Receipt,
    signature: [u8; 64],
}

/// The result of step 2, before it is written.
struct Plan {
    rejections: Vec<Rejection>,
    replays: Vec<Receipt>,
    accepted: Vec<Accepted>,
    shown: Vec<Receipt>,
    /// Acknowledged but not stored (the `lose_event` test fault).
    lost: u64,
    head: u64,
}

/// The batch's stream and its events, as every phase of step 2 sees them.
struct Batch<'a> {
    tenant: Uuid,
    store: Uuid,
    prepared: &'a [Prepared],
}

impl Plan {
    fn reject(&mut self, event_id: Uuid, reason: impl Into<String>, message: impl Into<String>) {
        self.rejections.push(rejection(event_id, reason, message));
    }

    /// Copies within the batch, ids stored before: replays (their stored receipt) or refusals.
    /// Returns the indices of the events never seen.
    fn replays_and_duplicates(
        &mut self,
        app: &App,
        conn: &Connection,
        b: &Batch<'_>,
    ) -> rusqlite::Result<Vec<usize>> {
        let ids: Vec<Uuid> = b.prepared.iter().map(|p| p.env.event_id).collect();
        let mut stored = events::lookup_many(conn, &ids)?;
        let mut seen = HashSet::new();
        let mut pending = Vec::new();
        for (i, p) in b.prepared.iter().enumerate() {
            let id = p.env.event_id;
            if !seen.insert(id) {
                self.reject(
                    id,
                    "duplicate_event_id",
                    format!("Event {id} duplicated in batch"),
                );
                continue;
            }
            match stored.remove(&id) {
                None => pending.push(i),
                Some(old) if (old.tenant_id, old.store_id) != (b.tenant, b.store) => {
                    self.reject(id, "duplicate_event_id", "Event ID already exists")
                }
                Some(old)
                    if old.fingerprint != p.fingerprint
                        && old.fingerprint
                            != legacy_fingerprint(&p.env, &p.signing_hash, &p.payload_text) =>
                {
                    self.reject(
                        id,
                        "duplicate_event_id",
                        "Event ID already exists with different contents",
                    )
                }
                Some(old) => self.replay(app, b, p, &old.payload, old.receipt),
            }
        }
        Ok(pending)
    }

    /// A replay: the stored receipt, unless a test fault breaks idempotency. `stored` is the
    /// first send's payload as stored (its compact serde_json text).
    fn replay(
        &mut self,
        app: &App,
        b: &Batch<'_>,
        p: &Prepared,
        stored: &str,
        mut receipt: Receipt,
    ) {
        match app
            .faults
            .replay_answer(Some(stored), p.env.payload.as_ref())
        {
            ReplayAnswer::Honest => self.replays.push(receipt),
            ReplayAnswer::Refuse => self.reject(
                p.env.event_id,
                "duplicate_event_id",
                "Event ID already exists with different contents",
            ),
            ReplayAnswer::NewSequence => {
                let facts = ReceiptFacts {
                    tenant: &b.tenant,
                    store: &b.store,
                    signing_hash: &p.signing_hash,
                    sequencer_key: &app.identity.key,
                };
                app.faults
                    .renumber_receipt(&mut receipt, self.head + 1, &facts);
                self.replays.push(receipt);
            }
        }
    }

    /// The per-event checks (prepared earlier) and command ids repeated within the batch.
    fn per_event_checks(&mut self, b: &Batch<'_>, pending: Vec<usize>) -> Vec<usize> {
        let mut seen_commands = HashSet::new();
        let mut candidates = Vec::new();
        for i in pending {
            let env = &b.prepared[i].env;
            if let Some((reason, message)) = &b.prepared[i].verdict {
                self.reject(env.event_id, reason, message);
                continue;
            }
            if let Some(cmd) = env.command_id {
                if !seen_commands.insert(cmd) {
                    let message = format!("Command {cmd} duplicated in batch");
                    self.reject(env.event_id, "duplicate_command_id", message);
                    continue;
                }
            }
            candidates.push(i);
        }
        candidates
    }

    /// Command ids already used in the stream.
    fn command_ids(
        &mut self,
        conn: &Connection,
        b: &Batch<'_>,
        candidates: Vec<usize>,
    ) -> rusqlite::Result<Vec<usize>> {
        let mut valid = Vec::new();
        for i in candidates {
            let env = &b.prepared[i].env;
            match env.command_id {
                Some(cmd) if events::command_used(conn, &b.tenant, &b.store, &cmd)? => {
                    let message = format!("Command {cmd} already processed");
                    self.reject(env.event_id, "duplicate_command_id", message);
                }
                _ => valid.push(i),
            }
        }
        Ok(valid)
    }

    /// `base_version` checks, then sequence numbers and signed receipts, in request order.
    fn sequence(
        &mut self,
        app: &App,
        conn: &Connection,
        b: &Batch<'_>,
        valid: Vec<usize>,
    ) -> rusqlite::Result<()> {
        // Each accepted event bumps its entity's version for the events after it.
        let mut bumps: HashMap<(&str, &str), u64> = HashMap::new();
        for i in valid {
            let p = &b.prepared[i];
            let env = &p.env;
            let entity = (env.entity_type.as_str(), env.entity_id.as_str());
            if let Some(expected) = env.base_version {
                let actual = events::entity_version(conn, &b.tenant, &b.store, entity.0, entity.1)?
                    + bumps.get(&entity).copied().unwrap_or(0);
                if expected != actual {
                    self.reject(
                        env.event_id,
                        format!("version_conflict: expected {expected}, actual {actual}"),
                        format!("Version conflict: expected {expected}, actual {actual}"),
                    );
                    continue;
                }
            }
            let seq = app.faults.next_sequence(self.head);
            let receipt_hash =
                hash::receipt_hash(&b.tenant, &b.store, &env.event_id, seq, &p.signing_hash);
            let signature = sign::sign_hash(&app.identity.key, &receipt_hash);
            let stored = Receipt {
                sequencer_id: app.identity.sequencer_id,
                event_id: env.event_id,
                sequence_number: seq,
                sequenced_at: Utc::now().to_rfc3339(),
                receipt_hash,
                signature_alg: "ed25519".into(),
                sequencer_signature: hex::encode(signature),
                sequencer_key_version: 0,
                receipt_signature_scheme: Some(1),
            };
            let mut shown = stored.clone();
            let facts = ReceiptFacts {
                tenant: &b.tenant,
                store: &b.store,
                signing_hash: &p.signing_hash,
                sequencer_key: &app.identity.key,
            };
            app.faults.tamper_receipt(&mut shown, &facts);
            self.shown.push(shown);
            if app.faults.lose(seq) {
                // Acknowledged, never written, and its number handed out again.
                self.lost += 1;
                continue;
            }
            self.accepted.push(Accepted {
                index: i,
                stored,
                signature,
            });
            *bumps.entry(entity).or_default() += 1;
            self.head = seq;
        }
        Ok(())
    }
}

/// Step 2. Rejections and receipts come in the real server's order: batch and replay checks
/// first, then per-event checks, then command ids, then version conflicts; replays' receipts
/// before new ones.
fn plan(
    app: &App,
    conn: &Connection,
    state: &mut StreamState,
    stream: (Uuid, Uuid),
    prepared: &[Prepared],
) -> rusqlite::Result<Plan> {
    let b = Batch {
        tenant: stream.0,
        store: stream.1,
        prepared,
    };
    let head = match state.head {
        Some(h) => h,
        None => events::head(conn, &b.tenant, &b.store)?,
    };
    state.head = Some(head);
    let mut plan = Plan {
        rejections: Vec::new(),
        replays: Vec::new(),
        accepted: Vec::new(),
        shown: Vec::new(),
        lost: 0,
        head,
    };
    let pending = plan.replays_and_duplicates(app, conn, &b)?;
    let candidates = plan.per_event_checks(&b, pending);
    let valid = plan.command_ids(conn, &b, candidates)?;
    plan.sequence(app, conn, &b, valid)?;
    Ok(plan)
}

enum CommitError {
    /// Another stream stored one of these event ids first.
    EventIdTaken,
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for CommitError {
    fn from(e: rusqlite::Error) -> Self {
        CommitError::Db(e)
    }
}

/// Step 3: one transaction; nothing is stored unless all of it is.
fn commit(app: &App, prepared: &[Prepared], plan: &Plan) -> Result<(), CommitError> {
    if plan.accepted.is_empty() {
        return Ok(());
    }
    app.db.write(|tx| {
        for a in &plan.accepted {
            let p = &prepared[a.index];
            let inserted = events::insert(
                tx,
                &NewEvent {
                    env: &p.env,
                    payload_text: &p.payload_text,
                    signing_hash: &p.signing_hash,
                    fingerprint: &p.fingerprint,
                    receipt: &a.stored,
                    sequencer_signature: &a.signature,
                },
            )?;
            if !inserted {
                return Err(CommitError::EventIdTaken);
            }
        }
        Ok(())
    })
}

/// A race for an event id resolves in one retry; a few more only guard against a livelock.
const MAX_ATTEMPTS: usize = 8;

/// Sequences a batch of one stream. The route has already made the whole-request checks
/// (non-empty, one stream, limits, permissions).
pub fn ingest(app: &App, events: Vec<VesEventEnvelope>) -> Result<IngestResponse, Failure> {
    let now = Utc::now();
    let stream = match events.first() {
        Some(e) => (e.tenant_id, e.store_id),
        None => (Uuid::nil(), Uuid::nil()),
    };
    let prepared: Vec<Prepared> = events.into_iter().map(|w| prepare(app, w, now)).collect();

    let lock = app.streams.get(&stream);
    let mut state = lock.lock();
    // Test fault slow_ingest: latency without CPU, inside the stream's lock, so that requests
    // queue and latency grows with the offered rate (a saturated server for `ves capacity`).
    if let Some(delay) = app.faults.ingest_delay() {
        std::thread::sleep(delay);
    }
    let mut attempt = 0;
    let plan = loop {
        attempt += 1;
        let plan = app
            .db
            .read(|conn| plan(app, conn, &mut state, stream, &prepared))?;
        if let Some(a) = plan.accepted.iter().find(|a| prepared[a.index].has_nul) {
            return Err(Failure::Nul(prepared[a.index].env.event_id));
        }
        match commit(app, &prepared, &plan) {
            Ok(()) => break plan,
            Err(CommitError::EventIdTaken) if attempt < MAX_ATTEMPTS => continue,
            Err(CommitError::EventIdTaken) => return Err(Failure::Contention),
            Err(CommitError::Db(e)) => return Err(Failure::Db(e)),
        }
    };
    state.head = Some(plan.head);
    drop(state);
    // What was stored, not what was answered: a lost write (the lose_event fault) shows in
    // /metrics as fewer events sequenced than acknowledged.
    app.metrics
        .sequenced(plan.accepted.len() as u64, plan.rejections.len() as u64);

    let sequence_start = plan.accepted.first().map(|a| a.stored.sequence_number);
    let sequence_end = plan.accepted.last().map(|a| a.stored.sequence_number);
    let mut receipts = plan.replays;
    receipts.extend(plan.shown);
    Ok(IngestResponse {
        batch_id: Uuid::new_v4(),
        events_accepted: plan.accepted.len() as u64 + plan.lost,
        events_rejected: plan.rejections.len() as u64,
        sequence_start,
        sequence_end,
        head_sequence: plan.head,
        rejections: plan.rejections,
        receipts,
    })
}
