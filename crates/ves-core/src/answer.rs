//! The pass rule of one ingest answer (DESIGN.md, "Pass rule for an ingest request"): given what
//! a client sent and the sequencer's answer text, which events were accepted with receipts that
//! verify, which were rejected and why, how they were numbered, and what is wrong.
//!
//! One rule, three users: `ves signer` applies it to the answers k6 hands it (POST /v1/check),
//! `ves audit` takes its receipt check ([`receipt_hash_failure`]), and the k6 library mirrors it in
//! JavaScript (js/answer_rule.js) for runs without a signer. `tests/vectors/ingest_answers.json`
//! holds good answers and every kind of wrong one with the verdict each must get; the Rust tests
//! and a k6 test run both rules over it.
//!
//! The rule, for a batch of fresh events (LIVE_OBSERVED.md §4, §8 "VES ingest"):
//! - every receipt names an event of the batch (else `unknown_event`); its hash is recomputed from
//!   the event's own signing hash (`receipt_hash_mismatch`), its sequence number is a positive
//!   integer, `signatureAlg` is `ed25519` or `none`, and on a sample the sequencer's signature
//!   verifies under the configured key;
//! - the new receipts (numbers in `sequenceStart..=sequenceEnd`) are exactly that range,
//!   `eventsAccepted` of them, each number once (else a sequence anomaly);
//! - every event gets a receipt or a rejection (else `missing`); the only rejections are those of
//!   events made invalid on purpose, each with its expected reason code;
//! - where replays are allowed (a corpus sent again, a rerun), an event may come back with its
//!   earlier receipt (a number outside the range), which must verify and not lie above the
//!   stream's head; a "different contents" refusal of such an event breaks idempotency.
//!
//! A re-send of a batch accepted before ([`judge_resend`]) must get every event's original
//! receipt back, the whole receipt ([`crate::receipt::receipt_difference`]), and nothing new.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::hash::{self, Hash};
use crate::hexfmt;
use crate::receipt::receipt_difference;
use crate::sign::{self, VerifyingKey};

/// At most this many failures are listed in a verdict (all are counted in `failures_total`).
pub const MAX_LISTED_FAILURES: usize = 50;

/// The largest integer a JavaScript number holds exactly (the k6 rule's `Number.isSafeInteger`).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// What was sent: one stream, and per event its id (as sent) and signing hash.
#[derive(Debug, Clone)]
pub struct SentBatch {
    pub tenant: Uuid,
    pub store: Uuid,
    pub events: Vec<SentEvent>,
}

#[derive(Debug, Clone)]
pub struct SentEvent {
    /// The event id as sent (compared without regard to case).
    pub event_id: String,
    pub signing_hash: Hash,
}

/// An event made invalid on purpose (k6's INVALID_RATE): its index in the batch, what was done
/// to it, the reason code a correct sequencer answers, and its id as sent (a kind may change it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvalidEvent {
    pub index: usize,
    pub kind: String,
    pub code: String,
    pub event_id: String,
}

/// What else the rule must know about a batch.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub invalid: Vec<InvalidEvent>,
    /// Events may come back as replays of an earlier send (a corpus sent again, a rerun).
    pub replays_allowed: bool,
}

/// One failure: the event it concerns, which part of the rule, a reason code, and details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub event_id: String,
    /// `receipt`, `rejected`, `invalid`, `replay`, `missing` or `sequence`.
    pub check: String,
    /// The reason code (`receipt_hash_mismatch`, `invalid_signature`, `new_sequence`, …).
    pub code: String,
    pub detail: String,
}

/// The compact verdict on one answer (what `ves signer` returns to k6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Events sent.
    pub events: usize,
    /// `eventsAccepted` as the sequencer reported it (0 when it is not an integer).
    pub accepted: i64,
    /// Receipts numbered inside `sequenceStart..=sequenceEnd` (newly sequenced).
    pub new_receipts: u64,
    /// Receipts numbered outside it: replays (for a re-send, those equal to the original).
    pub replayed: u64,
    /// Receipts judged one by one (hash recomputed, or compared whole with the original).
    pub receipts_checked: u64,
    /// Sequencer signatures verified (the sample).
    pub signatures_checked: u64,
    /// Receipts that failed, or that name no event of the batch.
    pub invalid_receipts: u64,
    /// Sequence anomalies inside this answer.
    pub anomalies: u64,
    /// Events (distinct ids) that got neither a receipt nor a rejection.
    pub missing: u64,
    pub sequence_start: Option<i64>,
    pub sequence_end: Option<i64>,
    pub head_sequence: Option<i64>,
    /// The new receipts' numbers by event: runs `[first index, count, first number]` where
    /// event `first index + k` got `first number + k`; a clean batch is one run.
    pub seqs: Vec<[i64; 3]>,
    /// Rejections of events that were meant to be valid, by reason code.
    pub rejected: BTreeMap<String, u64>,
    /// Events made invalid on purpose and rejected with the expected reason, by kind.
    pub invalid_rejected: BTreeMap<String, u64>,
    /// Events made invalid on purpose and not rejected as expected, by kind.
    pub invalid_accepted: BTreeMap<String, u64>,
    /// Re-sent events not answered with their original receipt, by kind.
    pub replay_violations: BTreeMap<String, u64>,
    /// The first failures (at most [`MAX_LISTED_FAILURES`]).
    pub failures: Vec<Failure>,
    pub failures_total: u64,
    /// Every valid event accepted (or replayed where allowed), nothing else rejected or missing.
    pub every_event_accepted: bool,
    /// Every receipt verifies and every valid event has one.
    pub every_receipt_verifies: bool,
    /// A re-send's answer was neither 200 nor a refusal (4xx): it says nothing about the replay.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unanswered: bool,
}

impl Verdict {
    fn fail(&mut self, event_id: &str, check: &str, code: &str, detail: String) {
        self.failures_total += 1;
        if self.failures.len() < MAX_LISTED_FAILURES {
            self.failures.push(Failure {
                event_id: event_id.to_string(),
                check: check.to_string(),
                code: code.to_string(),
                detail,
            });
        }
    }

    /// True when the answer passes the rule as far as it can be judged from the answer alone
    /// (the client adds the HTTP status and the numbering across answers).
    pub fn passed(&self) -> bool {
        self.every_event_accepted
            && self.every_receipt_verifies
            && self.anomalies == 0
            && self.invalid_accepted.is_empty()
            && self.replay_violations.is_empty()
    }
}

/// Whether to verify the sequencer signature of the next receipt (the `RECEIPT_SIG_SAMPLE`
/// share), and with which key.
pub struct Signatures<'a> {
    pub key: Option<&'a VerifyingKey>,
    pub sample: &'a mut dyn FnMut() -> bool,
}

/// The reason code part of a rejection reason: the text before any `:`, trimmed
/// (`agent_key_invalid: Agent key not found` -> `agent_key_invalid`), `unknown` when empty.
pub fn reason_code(reason: &str) -> &str {
    let code = reason.split(':').next().unwrap_or("").trim();
    if code.is_empty() {
        "unknown"
    } else {
        code
    }
}

/// The answer text as JSON, or `None` when it is not a JSON object (the rule then finds every
/// event missing).
pub fn parse_answer(text: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// An integer as JavaScript's `Number.isSafeInteger` sees it (`7` and `7.0` alike).
fn safe_int(v: Option<&Value>) -> Option<i64> {
    let n = v?.as_number()?;
    let i = if let Some(i) = n.as_i64() {
        i
    } else {
        let f = n.as_f64()?;
        if f.fract() != 0.0 || f.abs() > MAX_SAFE_INTEGER as f64 {
            return None;
        }
        f as i64
    };
    (i.abs() <= MAX_SAFE_INTEGER).then_some(i)
}

fn array<'a>(m: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    match m.get(key) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.as_object()?.get(key)?.as_str()
}

/// The receipt-hash part of the rule, shared with `ves audit`: `None` when `claimed` is the hash
/// of (stream, event, seq, the event's own signing hash), else the failure's code and detail.
pub fn receipt_hash_failure(
    tenant: &Uuid,
    store: &Uuid,
    event_id: &Uuid,
    seq: u64,
    signing_hash: &Hash,
    claimed: &Hash,
) -> Option<(&'static str, String)> {
    let expected = hash::receipt_hash(tenant, store, event_id, seq, signing_hash);
    (expected != *claimed).then(|| {
        (
            "receipt_hash_mismatch",
            format!(
                "server {}, local {}",
                hexfmt::encode(claimed),
                hexfmt::encode(&expected)
            ),
        )
    })
}

/// Checks one receipt (an object of the answer) against the sent event it names: the rule's
/// per-receipt part. `Err((code, detail))` says what is wrong.
pub fn check_receipt(
    tenant: &Uuid,
    store: &Uuid,
    event: &SentEvent,
    receipt: &Value,
    sequencer_key: Option<&VerifyingKey>,
) -> Result<(), (&'static str, String)> {
    let Some(r) = receipt.as_object() else {
        return Err(("bad_receipt", "not an object".into()));
    };
    let raw_id = r.get("eventId").and_then(Value::as_str).unwrap_or("");
    let same = is_hyphenated_uuid(raw_id) && raw_id.eq_ignore_ascii_case(&event.event_id);
    let Some(event_id) = same
        .then(|| Uuid::parse_str(&event.event_id).ok())
        .flatten()
    else {
        return Err((
            "event_id_mismatch",
            format!(
                "receipt eventId {raw_id} is not the event's {}",
                event.event_id
            ),
        ));
    };
    let seq = match safe_int(r.get("sequenceNumber")) {
        Some(s) if s >= 1 => s as u64,
        _ => {
            return Err((
                "bad_sequence_number",
                format!(
                    "sequenceNumber must be a positive integer, found {}",
                    shown(r.get("sequenceNumber"))
                ),
            ))
        }
    };
    let claimed = r
        .get("receiptHash")
        .and_then(Value::as_str)
        .and_then(|s| hexfmt::decode_fixed::<32>(s, "receiptHash").ok())
        .ok_or((
            "bad_receipt_hash",
            "receiptHash is not 32 bytes of hex".into(),
        ))?;
    if let Some(f) =
        receipt_hash_failure(tenant, store, &event_id, seq, &event.signing_hash, &claimed)
    {
        return Err(f);
    }
    let alg = r.get("signatureAlg").and_then(Value::as_str);
    if alg != Some("ed25519") && alg != Some("none") {
        return Err((
            "bad_signature_alg",
            format!(
                "signatureAlg must be \"ed25519\" or \"none\", found {}",
                shown(r.get("signatureAlg"))
            ),
        ));
    }
    if let Some(key) = sequencer_key {
        if alg != Some("ed25519") {
            return Err((
                "unsigned_receipt",
                "a sequencer public key is configured but the receipt is not signed".into(),
            ));
        }
        let good = r
            .get("sequencerSignature")
            .and_then(Value::as_str)
            .and_then(|s| hexfmt::decode_fixed::<64>(s, "sequencerSignature").ok())
            .is_some_and(|sig| sign::verify_hash(key, &claimed, &sig).is_ok());
        if !good {
            return Err((
                "bad_sequencer_signature",
                "sequencerSignature does not verify under the configured sequencer public key"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// A value for a failure's detail, as JavaScript's template strings print it (close enough for
/// a log line; never compared).
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "undefined".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A hyphenated UUID (8-4-4-4-12 hex digits, any case), as the k6 rule's `isUuid` accepts.
fn is_hyphenated_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Judges the answer to a batch of fresh (or corpus) events. `status` is the HTTP status:
/// the invalid-event and head checks read the answer only when it is 200, as k6 does.
pub fn judge(
    sent: &SentBatch,
    expect: &Expect,
    status: u16,
    answer: Option<&Map<String, Value>>,
    signatures: &mut Signatures<'_>,
) -> Verdict {
    let n = sent.events.len();
    let mut v = Verdict {
        events: n,
        ..Verdict::default()
    };
    // Ids as sent, an invalid event's own id in its place.
    let mut ids: Vec<String> = sent
        .events
        .iter()
        .map(|e| e.event_id.to_ascii_lowercase())
        .collect();
    let mut invalid_at = vec![false; n];
    for inv in &expect.invalid {
        if inv.index < n {
            ids[inv.index] = inv.event_id.to_ascii_lowercase();
            invalid_at[inv.index] = true;
        }
    }
    let Some(body) = answer else {
        v.missing = n as u64;
        for id in &ids {
            v.fail(id, "missing", "missing", "no answer to judge".into());
        }
        judge_invalid(&mut v, &expect.invalid, &mut Vec::new(), None);
        finish(&mut v, expect, &[]);
        return v;
    };
    let ok_body = (status == 200).then_some(body);
    v.accepted = safe_int(body.get("eventsAccepted")).unwrap_or(0);
    v.head_sequence = safe_int(body.get("headSequence"));
    let start = safe_int(body.get("sequenceStart"));
    let end = safe_int(body.get("sequenceEnd"));
    v.sequence_start = start;
    v.sequence_end = end;

    let mut answered: HashSet<String> = HashSet::new(); // ids answered other than by position
    let mut by_position = vec![false; n];
    let mut rejected: Vec<Rejection> = Vec::new();
    for r in array(body, "rejections") {
        let reason = str_field(r, "reason").unwrap_or("").to_string();
        let event_id = str_field(r, "event_id")
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        answered.insert(event_id.clone());
        rejected.push(Rejection {
            code: reason_code(&reason).to_string(),
            event_id,
            message: str_field(r, "message").unwrap_or("").to_string(),
            reason,
        });
    }

    let mut by_id: Option<HashMap<&str, usize>> = None;
    let mut fresh: Vec<(usize, i64)> = Vec::new(); // (event index, number) of new receipts
    let mut replay_receipts = 0u64;
    for (k, receipt) in array(body, "receipts").iter().enumerate() {
        let raw_id = str_field(receipt, "eventId").unwrap_or("");
        let positional = k < n && raw_id == sent_id(sent, expect, k);
        let index = if positional {
            by_position[k] = true;
            Some(k)
        } else {
            let map = by_id.get_or_insert_with(|| {
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| (id.as_str(), i))
                    .collect()
            });
            map.get(raw_id.to_ascii_lowercase().as_str()).copied()
        };
        let Some(i) = index else {
            let shown_id = if raw_id.is_empty() {
                "no eventId".to_string()
            } else {
                raw_id.to_ascii_lowercase()
            };
            v.invalid_receipts += 1;
            v.fail(
                &raw_id.to_ascii_lowercase(),
                "receipt",
                "unknown_event",
                format!("a receipt for {shown_id}, which this request did not send"),
            );
            continue;
        };
        if !positional {
            answered.insert(ids[i].clone());
        }
        // An event made invalid on purpose should have no receipt: the invalid-event rule
        // judges it; its hash is not this rule's to check.
        if !invalid_at[i] {
            let sampled = signatures.key.is_some() && (signatures.sample)();
            let key = if sampled { signatures.key } else { None };
            if let Err((code, detail)) =
                check_receipt(&sent.tenant, &sent.store, &sent.events[i], receipt, key)
            {
                v.invalid_receipts += 1;
                v.fail(&ids[i], "receipt", code, detail);
            }
            if sampled {
                v.signatures_checked += 1;
            }
        }
        let Some(seq) = safe_int(receipt.get("sequenceNumber")) else {
            continue;
        };
        match (start, end) {
            (Some(s), Some(e)) if seq >= s && seq <= e => fresh.push((i, seq)),
            _ => {
                replay_receipts += 1;
                if !expect.replays_allowed {
                    v.fail(
                        &ids[i],
                        "replay",
                        "unexpected_replay",
                        format!("came back as a replay (number {seq}, outside sequenceStart..sequenceEnd) of an event the sequencer had before"),
                    );
                }
            }
        }
    }
    v.new_receipts = fresh.len() as u64;
    v.replayed = replay_receipts;
    numbering(&mut v, &fresh, start, end);

    // Events that got neither a receipt nor a rejection (an id sent twice counts once).
    let mut missing: Vec<&str> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let id = id.as_str();
        if by_position[i] || answered.contains(id) || missing.contains(&id) {
            continue;
        }
        if !(0..n).any(|j| by_position[j] && ids[j] == id) {
            missing.push(id);
        }
    }
    v.missing = missing.len() as u64;
    for id in missing {
        v.fail(
            id,
            "missing",
            "missing",
            "neither a receipt nor a rejection".into(),
        );
    }

    if expect.replays_allowed {
        take_replay_refusals(&mut v, &mut rejected);
        take_renumbered(&mut v, ok_body);
    }
    judge_invalid(&mut v, &expect.invalid, &mut rejected, ok_body);
    for r in &rejected {
        *v.rejected.entry(r.code.clone()).or_default() += 1;
        v.fail(
            &r.event_id,
            "rejected",
            &r.code,
            format!("{} ({})", r.reason, r.message),
        );
    }
    finish(&mut v, expect, &rejected);
    v
}

/// The id of sent event `k` exactly as sent (an invalid event's own), for the by-position match.
fn sent_id<'a>(sent: &'a SentBatch, expect: &'a Expect, k: usize) -> &'a str {
    expect
        .invalid
        .iter()
        .rev()
        .find(|inv| inv.index == k)
        .map(|inv| inv.event_id.as_str())
        .unwrap_or(&sent.events[k].event_id)
}

struct Rejection {
    event_id: String,
    code: String,
    reason: String,
    message: String,
}

/// The new receipts must be exactly `start..=end`, `eventsAccepted` of them, each number once.
fn numbering(v: &mut Verdict, fresh: &[(usize, i64)], start: Option<i64>, end: Option<i64>) {
    let mut numbers: Vec<i64> = fresh.iter().map(|(_, s)| *s).collect();
    numbers.sort_unstable();
    let expected = match (start, end) {
        (Some(s), Some(e)) => e - s + 1,
        _ => 0,
    };
    let consecutive = numbers.len() as i64 == expected
        && v.accepted == expected
        && numbers
            .iter()
            .enumerate()
            .all(|(k, n)| Some(*n) == start.map(|s| s + k as i64));
    if !consecutive {
        v.anomalies += 1;
        v.fail(
            "",
            "sequence",
            "not_consecutive",
            format!(
                "sequenceStart={} sequenceEnd={} eventsAccepted={}: the new receipts are not exactly that range, each number once",
                shown_int(start),
                shown_int(end),
                v.accepted
            ),
        );
    }
    // A number given twice in one answer (each repeat is an anomaly).
    let repeats = numbers.windows(2).filter(|w| w[0] == w[1]).count() as u64;
    if repeats > 0 {
        v.anomalies += repeats;
        for w in numbers.windows(2).filter(|w| w[0] == w[1]) {
            v.fail(
                "",
                "sequence",
                "duplicate_sequence",
                format!("sequence number {} given twice in one answer", w[0]),
            );
        }
    }
    // Runs of (index, number) both rising by one.
    let mut by_index = fresh.to_vec();
    by_index.sort_unstable();
    for (i, s) in by_index {
        match v.seqs.last_mut() {
            Some(run) if run[0] + run[1] == i as i64 && run[2] + run[1] == s => run[1] += 1,
            _ => v.seqs.push([i as i64, 1, s]),
        }
    }
}

fn shown_int(v: Option<i64>) -> String {
    v.map_or("null".into(), |n| n.to_string())
}

/// In a corpus sent again: a "different contents" refusal of an event sent before with these
/// exact bytes broke idempotency (LIVE_OBSERVED.md §10): a replay violation, not a rejection.
fn take_replay_refusals(v: &mut Verdict, rejected: &mut Vec<Rejection>) {
    rejected.retain(|r| {
        let text = format!("{} {}", r.reason, r.message).to_ascii_lowercase();
        if r.code == "duplicate_event_id" && text.contains("different contents") {
            *v.replay_violations.entry("refused".into()).or_default() += 1;
            v.fail(
                &r.event_id,
                "replay",
                "refused",
                format!(
                    "sent before (a corpus or rerun sent again, in these bytes or another spelling of them), was refused: {} ({})",
                    r.reason, r.message
                ),
            );
            false
        } else {
            true
        }
    });
}

/// A replay receipt numbered above the stream's head gave a re-sent event a new number.
fn take_renumbered(v: &mut Verdict, body: Option<&Map<String, Value>>) {
    let Some(body) = body else { return };
    let Some(head) = safe_int(body.get("headSequence")) else {
        return;
    };
    let start = safe_int(body.get("sequenceStart"));
    let end = safe_int(body.get("sequenceEnd"));
    let mut found = 0u64;
    for r in array(body, "receipts") {
        let Some(seq) = safe_int(r.get("sequenceNumber")) else {
            continue;
        };
        let fresh = matches!((start, end), (Some(s), Some(e)) if seq >= s && seq <= e);
        if !fresh && seq > head {
            found += 1;
            let id = str_field(r, "eventId").unwrap_or("").to_ascii_lowercase();
            v.fail(
                &id,
                "replay",
                "new_sequence",
                format!("came back with sequence number {seq}, above the stream's head {head}"),
            );
        }
    }
    if found > 0 {
        *v.replay_violations
            .entry("new_sequence".into())
            .or_default() += found;
        v.replayed = v.replayed.saturating_sub(found);
    }
}

/// Each event made invalid on purpose must come back as a rejection with its expected code.
fn judge_invalid(
    v: &mut Verdict,
    invalid: &[InvalidEvent],
    rejected: &mut Vec<Rejection>,
    body: Option<&Map<String, Value>>,
) {
    if invalid.is_empty() {
        return;
    }
    let receipt_ids: HashSet<String> = body
        .map(|b| array(b, "receipts"))
        .unwrap_or(&[])
        .iter()
        .map(|r| match r.get("eventId") {
            Some(Value::String(s)) => s.to_ascii_lowercase(),
            Some(other) => other.to_string().to_ascii_lowercase(),
            None => if r.is_object() { "undefined" } else { "null" }.to_string(),
        })
        .collect();
    for inv in invalid {
        let id = inv.event_id.to_ascii_lowercase();
        if let Some(at) = rejected
            .iter()
            .position(|r| r.event_id == id && r.code == inv.code)
        {
            rejected.remove(at);
            *v.invalid_rejected.entry(inv.kind.clone()).or_default() += 1;
            continue;
        }
        let got = if let Some(at) = rejected.iter().position(|r| r.event_id == id) {
            let r = rejected.remove(at);
            format!("rejected as {}", r.reason)
        } else if receipt_ids.contains(&id) && inv.kind != "duplicate_in_batch" {
            "accepted (a receipt)".to_string()
        } else if body.is_none() {
            "no answer".to_string()
        } else {
            "neither a receipt nor a rejection".to_string()
        };
        *v.invalid_accepted.entry(inv.kind.clone()).or_default() += 1;
        v.fail(
            &id,
            "invalid",
            &inv.kind,
            format!(
                "made invalid on purpose ({}), expected the rejection {}; got {got}",
                inv.kind, inv.code
            ),
        );
    }
}

fn finish(v: &mut Verdict, expect: &Expect, rejected: &[Rejection]) {
    let valid = v.events as i64 - expect.invalid.len() as i64;
    let answered = v.accepted
        + if expect.replays_allowed {
            v.replayed as i64
        } else {
            0
        };
    let refused_or_renumbered = !v.replay_violations.is_empty();
    v.every_event_accepted =
        answered == valid && rejected.is_empty() && !refused_or_renumbered && v.missing == 0;
    let receipted = v.new_receipts
        + if expect.replays_allowed {
            v.replayed
        } else {
            0
        };
    v.every_receipt_verifies = v.invalid_receipts == 0 && receipted as i64 == valid;
    v.receipts_checked = v.new_receipts + v.replayed;
}

/// The original answer to a batch, kept to judge its re-send: each event's whole receipt, and
/// the reason code each event made invalid on purpose was refused with.
#[derive(Debug, Clone, Default)]
pub struct Originals {
    /// Event id (lowercase) -> the receipt object as the sequencer first answered it, in the
    /// order of the first answer.
    pub receipts: Vec<(String, Value)>,
    /// Event id (lowercase) -> expected reason code of an event made invalid on purpose.
    pub refused: HashMap<String, String>,
    /// The batch's first event id (lowercase), named by violations of the whole batch.
    pub first_event: String,
    /// Events in the batch.
    pub events: usize,
}

impl Originals {
    /// From the first answer (already judged): its receipts by event id.
    pub fn from_answer(
        answer: &Map<String, Value>,
        invalid: &[InvalidEvent],
        first_event: &str,
        events: usize,
    ) -> Originals {
        Originals {
            receipts: array(answer, "receipts")
                .iter()
                .map(|r| {
                    (
                        str_field(r, "eventId").unwrap_or("").to_ascii_lowercase(),
                        r.clone(),
                    )
                })
                .collect(),
            refused: invalid
                .iter()
                .map(|i| (i.event_id.to_ascii_lowercase(), i.code.clone()))
                .collect(),
            first_event: first_event.to_ascii_lowercase(),
            events,
        }
    }
}

/// Judges the answer to a batch re-sent byte for byte (k6's REPLAY_RATE): every event must
/// come back with its original receipt, the whole receipt (sequencedAt may lose its digits below
/// the microsecond, LIVE_OBSERVED.md §4), events made invalid on purpose refused again with
/// the same code, and nothing accepted anew. Violations by kind: `refused`, `new_sequence`,
/// `different_receipt`, `missing`, `http` (a 4xx answer to the whole request).
pub fn judge_resend(
    originals: &Originals,
    status: u16,
    answer: Option<&Map<String, Value>>,
) -> Verdict {
    let mut v = Verdict {
        events: originals.events,
        ..Verdict::default()
    };
    let violation = |v: &mut Verdict, kind: &str, id: &str, detail: String| {
        *v.replay_violations.entry(kind.to_string()).or_default() += 1;
        v.fail(id, "replay", kind, detail);
    };
    let body = match answer {
        Some(b) if status == 200 => b,
        _ => {
            if (400..500).contains(&status) {
                violation(
                    &mut v,
                    "http",
                    &originals.first_event,
                    format!("HTTP {status}"),
                );
            } else {
                v.unanswered = true;
            }
            // Either way the re-send did not get its original receipts.
            return v;
        }
    };
    v.head_sequence = safe_int(body.get("headSequence"));
    if let Some(a) = safe_int(body.get("eventsAccepted")).filter(|a| *a > 0) {
        v.accepted = a;
        violation(
            &mut v,
            "new_sequence",
            &originals.first_event,
            format!("eventsAccepted={a} for a batch that was accepted before"),
        );
    }
    let mut answered: HashSet<String> = HashSet::new();
    for r in array(body, "rejections") {
        let id = match r.get("event_id") {
            Some(Value::String(s)) if !s.is_empty() => s.to_ascii_lowercase(),
            _ => String::new(),
        };
        let reason = match r.get("reason") {
            Some(Value::String(s)) => s.clone(),
            other => shown(other),
        };
        if originals.refused.get(&id).map(String::as_str) == Some(reason_code(&reason)) {
            continue; // an invalid event, refused again
        }
        let message = shown(r.get("message"));
        answered.insert(id.clone());
        violation(&mut v, "refused", &id, format!("{reason}: {message}"));
    }
    let original: HashMap<&str, &Value> = originals
        .receipts
        .iter()
        .map(|(id, r)| (id.as_str(), r))
        .collect();
    for rc in array(body, "receipts") {
        let id = str_field(rc, "eventId").unwrap_or("").to_ascii_lowercase();
        let Some(orig) = original.get(id.as_str()) else {
            continue; // a receipt for an event not sent: the first answer's rule covered it
        };
        answered.insert(id.clone());
        let (now, before) = (rc.get("sequenceNumber"), orig.get("sequenceNumber"));
        if !crate::receipt::same_value(now, before) {
            violation(
                &mut v,
                "new_sequence",
                &id,
                format!(
                    "sequence number {}, originally {}",
                    shown(now),
                    shown(before)
                ),
            );
        } else if let Some(field) = receipt_difference(orig, rc) {
            violation(
                &mut v,
                "different_receipt",
                &id,
                format!(
                    "{field} {}, originally {}",
                    shown(rc.get(field.as_str())),
                    shown(orig.get(field.as_str()))
                ),
            );
        } else {
            v.replayed += 1;
        }
    }
    for (id, _) in &originals.receipts {
        if !answered.contains(id) {
            violation(
                &mut v,
                "missing",
                id,
                "neither a receipt nor a rejection".into(),
            );
        }
    }
    v.receipts_checked = v.replayed;
    v.every_event_accepted = v.replay_violations.is_empty();
    v.every_receipt_verifies = v.replay_violations.is_empty();
    v
}
