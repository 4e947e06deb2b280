//! The answer vectors (`tests/data/ingest_answers.json`): good ingest answers and every kind of
//! wrong one, each with the verdict the pass rule must give. The same file is run by the k6
//! mirror of the rule (tests/k6/answer_vectors.test.js), so that both rules stay equal.
//!
//! The cases are built here, their expected verdicts written from how each answer was made
//! wrong (not by running the rule). The committed file must equal what this test builds:
//! `UPDATE_ANSWER_VECTORS=1 cargo test -p ves-core --test answer_vectors` rewrites it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::answer::{
    self, Expect, InvalidEvent, Originals, SentBatch, SentEvent, Signatures, Verdict,
};
use ves_core::hash::{self, Hash};
use ves_core::hexfmt;
use ves_core::sign::{self, SigningKey};

const FORMAT: &str = "ves-answers/1";

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct File {
    format: String,
    about: String,
    cases: Vec<Case>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    /// `fresh` (a new batch, or a corpus line with replaysAllowed) or `resend` (a batch accepted
    /// before, re-sent byte for byte: judged against `original`).
    kind: String,
    tenant: Uuid,
    store: Uuid,
    events: Vec<Sent>,
    #[serde(default)]
    invalid: Vec<InvalidEvent>,
    #[serde(default)]
    replays_allowed: bool,
    /// Verify every receipt's sequencer signature with this key (a sample of 1).
    sequencer_public_key: Option<String>,
    status: u16,
    answer: String,
    /// The first answer to the batch (`resend` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    original: Option<String>,
    expect: Expected,
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct Sent {
    event_id: String,
    signing_hash: String,
}

/// The verdict's fields that both rules must agree on; failures as sorted
/// `[event id, check, code]`.
#[derive(Serialize, Deserialize, PartialEq, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
struct Expected {
    accepted: i64,
    new_receipts: u64,
    replayed: u64,
    receipts_checked: u64,
    signatures_checked: u64,
    invalid_receipts: u64,
    anomalies: u64,
    missing: u64,
    seqs: Vec<[i64; 3]>,
    rejected: BTreeMap<String, u64>,
    invalid_rejected: BTreeMap<String, u64>,
    invalid_accepted: BTreeMap<String, u64>,
    replay_violations: BTreeMap<String, u64>,
    every_event_accepted: bool,
    every_receipt_verifies: bool,
    unanswered: bool,
    failures: Vec<[String; 3]>,
}

impl Expected {
    fn of(v: &Verdict) -> Expected {
        let mut failures: Vec<[String; 3]> = v
            .failures
            .iter()
            .map(|f| [f.event_id.clone(), f.check.clone(), f.code.clone()])
            .collect();
        failures.sort();
        Expected {
            accepted: v.accepted,
            new_receipts: v.new_receipts,
            replayed: v.replayed,
            receipts_checked: v.receipts_checked,
            signatures_checked: v.signatures_checked,
            invalid_receipts: v.invalid_receipts,
            anomalies: v.anomalies,
            missing: v.missing,
            seqs: v.seqs.clone(),
            rejected: v.rejected.clone(),
            invalid_rejected: v.invalid_rejected.clone(),
            invalid_accepted: v.invalid_accepted.clone(),
            replay_violations: v.replay_violations.clone(),
            every_event_accepted: v.every_event_accepted,
            every_receipt_verifies: v.every_receipt_verifies,
            unanswered: v.unanswered,
            failures,
        }
    }

    fn fail(mut self, id: &str, check: &str, code: &str) -> Self {
        self.failures.push([id.into(), check.into(), code.into()]);
        self.failures.sort();
        self
    }
}

fn bump(m: &mut BTreeMap<String, u64>, k: &str) {
    *m.entry(k.to_string()).or_default() += 1;
}

// ---------------------------------------------------------------------------------------------
// Building answers

const TENANT: Uuid = Uuid::from_u128(0x0dab_cf3c_9e24_4f21_87b9_8038_79a5_619c);
const STORE: Uuid = Uuid::from_u128(0x5e9d_7a10_0000_4000_8000_0000_0000_00a2);
const SEQUENCER: Uuid = Uuid::from_u128(0x0943_1686_bc32_4f09_b3a7_db0c_3580_0ab5);

fn sequencer_key() -> SigningKey {
    sign::signing_key_from_seed(&[7u8; 32])
}

/// Event `i` of case `c`: a v4-looking id and a signing hash, both fixed.
fn event(c: u32, i: u32) -> (Uuid, Hash) {
    let id = Uuid::from_u128(
        0x1000_0000_0000_4000_8000_0000_0000_0000 | (u128::from(c) << 64) | u128::from(i),
    );
    let sh = hash::domain_hash(b"answer-vectors", &[&c.to_be_bytes(), &i.to_be_bytes()]);
    (id, sh)
}

struct Batch {
    events: Vec<(Uuid, Hash)>,
}

impl Batch {
    fn new(case: u32, n: u32) -> Batch {
        Batch {
            events: (0..n).map(|i| event(case, i)).collect(),
        }
    }

    fn id(&self, i: usize) -> String {
        self.events[i].0.to_string()
    }

    /// The receipt a correct sequencer gives event `i` at `seq`, signed or not.
    fn receipt(&self, i: usize, seq: u64, signed: bool) -> Value {
        let (id, sh) = self.events[i];
        let rh = hash::receipt_hash(&TENANT, &STORE, &id, seq, &sh);
        let sig = if signed {
            hexfmt::encode(&sign::sign_hash(&sequencer_key(), &rh))
        } else {
            String::new()
        };
        json!({
            "sequencerId": SEQUENCER.to_string(),
            "eventId": id.to_string(),
            "sequenceNumber": seq,
            "sequencedAt": format!("2026-11-28T01:15:34.{:06}976+00:00", 100_000 + seq),
            "receiptHash": hexfmt::encode(&rh),
            "signatureAlg": if signed { "ed25519" } else { "none" },
            "sequencerSignature": sig,
            "sequencerKeyVersion": 0,
            "receiptSignatureScheme": 1,
        })
    }

    fn sent(&self) -> Vec<Sent> {
        self.events
            .iter()
            .map(|(id, sh)| Sent {
                event_id: id.to_string(),
                signing_hash: hexfmt::encode(sh),
            })
            .collect()
    }
}

fn answer_text(
    accepted: i64,
    start: Option<i64>,
    end: Option<i64>,
    head: i64,
    receipts: Vec<Value>,
    rejections: Vec<Value>,
) -> String {
    let mut a = json!({
        "batchId": "600152ba-cb04-4d3c-807e-c5949e15c50b",
        "eventsAccepted": accepted,
        "eventsRejected": rejections.len(),
        "sequenceStart": start,
        "sequenceEnd": end,
        "headSequence": head,
        "receipts": receipts,
    });
    if !rejections.is_empty() {
        a["rejections"] = Value::Array(rejections);
    }
    a.to_string()
}

fn rejection(id: &str, reason: &str, message: &str) -> Value {
    json!({"event_id": id, "reason": reason, "message": message})
}

/// The verdict of a clean answer: `n` events numbered from `start`, all new.
fn clean(n: u64, start: i64, signatures: u64) -> Expected {
    Expected {
        accepted: n as i64,
        new_receipts: n,
        receipts_checked: n,
        signatures_checked: signatures,
        seqs: vec![[0, n as i64, start]],
        every_event_accepted: true,
        every_receipt_verifies: true,
        ..Expected::default()
    }
}

fn case(name: &str, b: &Batch, key: bool, answer: String, expect: Expected) -> Case {
    Case {
        name: name.into(),
        kind: "fresh".into(),
        tenant: TENANT,
        store: STORE,
        events: b.sent(),
        invalid: Vec::new(),
        replays_allowed: false,
        sequencer_public_key: key
            .then(|| hexfmt::encode(sequencer_key().verifying_key().as_bytes())),
        status: 200,
        answer,
        original: None,
        expect,
    }
}

fn flip_hex(s: &str, at: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[at] = if b[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(b).unwrap()
}

fn receipts(b: &Batch, start: u64, signed: bool) -> Vec<Value> {
    (0..b.events.len())
        .map(|i| b.receipt(i, start + i as u64, signed))
        .collect()
}

fn build() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0u32;
    let mut next = |count: u32| {
        n += 1;
        Batch::new(n, count)
    };

    // --- fresh batches: good answers
    let b = next(5);
    cases.push(case(
        "clean, every receipt signed and its signature checked",
        &b,
        true,
        answer_text(
            5,
            Some(101),
            Some(105),
            105,
            receipts(&b, 101, true),
            vec![],
        ),
        clean(5, 101, 5),
    ));
    let b = next(5);
    cases.push(case(
        "clean, unsigned receipts and no sequencer key",
        &b,
        false,
        answer_text(
            5,
            Some(101),
            Some(105),
            105,
            receipts(&b, 101, false),
            vec![],
        ),
        clean(5, 101, 0),
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs.reverse();
    cases.push(case(
        "clean, receipts in reverse order",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        clean(5, 101, 5),
    ));
    let b = next(5);
    let rs: Vec<Value> = receipts(&b, 101, true)
        .into_iter()
        .map(|mut r| {
            r["eventId"] = json!(r["eventId"].as_str().unwrap().to_uppercase());
            r["receiptHash"] = json!(format!(
                "0X{}",
                r["receiptHash"].as_str().unwrap().to_uppercase()
            ));
            r
        })
        .collect();
    cases.push(case(
        "clean, ids and hashes in upper case, hashes with 0X",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        clean(5, 101, 5),
    ));

    // --- fresh batches: wrong receipts
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs[2]["receiptHash"] = json!(flip_hex(rs[2]["receiptHash"].as_str().unwrap(), 7));
    let mut e = clean(5, 101, 5).fail(&b.id(2), "receipt", "receipt_hash_mismatch");
    e.invalid_receipts = 1;
    e.every_receipt_verifies = false;
    cases.push(case(
        "one receipt hash with a bit flipped",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, false);
    rs[1]["receiptHash"] = json!("zz".repeat(32));
    let mut e = clean(5, 101, 0).fail(&b.id(1), "receipt", "bad_receipt_hash");
    e.invalid_receipts = 1;
    e.every_receipt_verifies = false;
    cases.push(case(
        "a receipt hash that is not hex",
        &b,
        false,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, false);
    rs[4].as_object_mut().unwrap().remove("receiptHash");
    let mut e = clean(5, 101, 0).fail(&b.id(4), "receipt", "bad_receipt_hash");
    e.invalid_receipts = 1;
    e.every_receipt_verifies = false;
    cases.push(case(
        "a receipt without receiptHash",
        &b,
        false,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs[3]["sequencerSignature"] =
        json!(flip_hex(rs[3]["sequencerSignature"].as_str().unwrap(), 20));
    let mut e = clean(5, 101, 5).fail(&b.id(3), "receipt", "bad_sequencer_signature");
    e.invalid_receipts = 1;
    e.every_receipt_verifies = false;
    cases.push(case(
        "a sequencer signature with a bit flipped",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs[0] = b.receipt(0, 101, false);
    let mut e = clean(5, 101, 5).fail(&b.id(0), "receipt", "unsigned_receipt");
    e.invalid_receipts = 1;
    e.every_receipt_verifies = false;
    cases.push(case(
        "an unsigned receipt where a sequencer key is given",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, false);
    rs[2]["signatureAlg"] = json!("rsa");
    let mut e = clean(5, 101, 0).fail(&b.id(2), "receipt", "bad_signature_alg");
    e.invalid_receipts = 1;
    e.every_receipt_verifies = false;
    cases.push(case(
        "a receipt with an unknown signatureAlg",
        &b,
        false,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    let foreign = event(999, 0).0.to_string();
    rs[4]["eventId"] = json!(foreign);
    let mut e = clean(5, 101, 4)
        .fail(&foreign, "receipt", "unknown_event")
        .fail(&b.id(4), "missing", "missing")
        .fail("", "sequence", "not_consecutive");
    e.new_receipts = 4;
    e.receipts_checked = 4;
    e.invalid_receipts = 1;
    e.missing = 1;
    e.anomalies = 1;
    e.seqs = vec![[0, 4, 101]];
    e.every_event_accepted = false;
    e.every_receipt_verifies = false;
    cases.push(case(
        "a receipt for an event the batch did not send, in place of one that it did",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs.pop();
    let mut e = clean(5, 101, 4).fail(&b.id(4), "missing", "missing");
    e.accepted = 4;
    e.new_receipts = 4;
    e.receipts_checked = 4;
    e.missing = 1;
    e.seqs = vec![[0, 4, 101]];
    e.every_event_accepted = false;
    e.every_receipt_verifies = false;
    cases.push(case(
        "an event left without a receipt or a rejection",
        &b,
        true,
        answer_text(4, Some(101), Some(104), 104, rs, vec![]),
        e,
    ));

    // --- fresh batches: numbering
    let b = next(5);
    let rs: Vec<Value> = [101, 102, 103, 104, 106]
        .iter()
        .enumerate()
        .map(|(i, s)| b.receipt(i, *s, true))
        .collect();
    let mut e = clean(5, 101, 5).fail("", "sequence", "not_consecutive");
    e.anomalies = 1;
    e.seqs = vec![[0, 4, 101], [4, 1, 106]];
    cases.push(case(
        "a number skipped inside the answer's range",
        &b,
        true,
        answer_text(5, Some(101), Some(106), 106, rs, vec![]),
        e,
    ));
    let b = next(5);
    let rs: Vec<Value> = [101, 102, 102, 103, 104]
        .iter()
        .enumerate()
        .map(|(i, s)| b.receipt(i, *s, true))
        .collect();
    let mut e = clean(5, 101, 5)
        .fail("", "sequence", "not_consecutive")
        .fail("", "sequence", "duplicate_sequence");
    e.anomalies = 2;
    e.seqs = vec![[0, 2, 101], [2, 3, 102]];
    cases.push(case(
        "one number given to two events",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut e = clean(5, 101, 5).fail("", "sequence", "not_consecutive");
    e.accepted = 4;
    e.anomalies = 1;
    e.every_event_accepted = false;
    cases.push(case(
        "eventsAccepted says 4 for 5 new receipts",
        &b,
        true,
        answer_text(
            4,
            Some(101),
            Some(105),
            105,
            receipts(&b, 101, true),
            vec![],
        ),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs[0]["sequenceNumber"] = json!(0);
    let mut e = clean(5, 101, 5)
        .fail(&b.id(0), "receipt", "bad_sequence_number")
        .fail(&b.id(0), "replay", "unexpected_replay")
        .fail("", "sequence", "not_consecutive");
    e.invalid_receipts = 1;
    e.new_receipts = 4;
    e.replayed = 1;
    e.anomalies = 1;
    e.seqs = vec![[1, 4, 102]];
    e.every_receipt_verifies = false;
    cases.push(case(
        "a receipt numbered 0",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));
    let b = next(5);
    let mut rs = receipts(&b, 101, true);
    rs[2]["sequenceNumber"] = json!("103");
    let mut e = clean(5, 101, 5)
        .fail(&b.id(2), "receipt", "bad_sequence_number")
        .fail("", "sequence", "not_consecutive");
    e.invalid_receipts = 1;
    e.new_receipts = 4;
    e.receipts_checked = 4;
    e.anomalies = 1;
    e.seqs = vec![[0, 2, 101], [3, 2, 104]];
    e.every_receipt_verifies = false;
    cases.push(case(
        "a sequence number written as a string",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    ));

    // --- fresh batches: rejections and no answer
    let b = next(5);
    let rs: Vec<Value> = [0, 1, 2, 4]
        .iter()
        .enumerate()
        .map(|(k, i)| b.receipt(*i, 101 + k as u64, true))
        .collect();
    let mut e = clean(5, 101, 4).fail(&b.id(3), "rejected", "invalid_signature");
    e.accepted = 4;
    e.new_receipts = 4;
    e.receipts_checked = 4;
    e.seqs = vec![[0, 3, 101], [4, 1, 104]];
    bump(&mut e.rejected, "invalid_signature");
    e.every_event_accepted = false;
    e.every_receipt_verifies = false;
    cases.push(case(
        "a valid event rejected",
        &b,
        true,
        answer_text(
            4,
            Some(101),
            Some(104),
            104,
            rs,
            vec![rejection(
                &b.id(3),
                "invalid_signature",
                "Agent signature verification failed: VerificationFailed",
            )],
        ),
        e,
    ));
    let b = next(3);
    let mut e = Expected {
        missing: 3,
        ..Expected::default()
    };
    for i in 0..3 {
        e = e.fail(&b.id(i), "missing", "missing");
    }
    let mut c = case(
        "an answer that is not JSON (HTTP 502)",
        &b,
        true,
        "upstream timed out".into(),
        e,
    );
    c.status = 502;
    cases.push(c);
    let b = next(3);
    let mut e = Expected {
        missing: 3,
        ..Expected::default()
    };
    for i in 0..3 {
        e = e.fail(&b.id(i), "missing", "missing");
    }
    let mut c = case(
        "an error answer in JSON (HTTP 503)",
        &b,
        true,
        json!({"error": "pool_exhausted", "message": "too many requests"}).to_string(),
        e,
    );
    c.status = 503;
    cases.push(c);

    // --- fresh batches: events made invalid on purpose (INVALID_RATE)
    let inv = |b: &Batch, index: usize, kind: &str, code: &str| InvalidEvent {
        index,
        kind: kind.into(),
        code: code.into(),
        event_id: b.id(index),
    };
    let b = next(6);
    let rs: Vec<Value> = [0, 1, 3, 5]
        .iter()
        .enumerate()
        .map(|(k, i)| b.receipt(*i, 101 + k as u64, true))
        .collect();
    let mut e = clean(4, 101, 4);
    e.seqs = vec![[0, 2, 101], [3, 1, 103], [5, 1, 104]];
    bump(&mut e.invalid_rejected, "bad_signature");
    bump(&mut e.invalid_rejected, "unknown_key");
    let mut c = case(
        "two invalid events rejected with their reasons",
        &b,
        true,
        answer_text(
            4,
            Some(101),
            Some(104),
            104,
            rs,
            vec![
                rejection(
                    &b.id(2),
                    "invalid_signature",
                    "Agent signature verification failed: VerificationFailed",
                ),
                rejection(
                    &b.id(4),
                    "agent_key_invalid: Agent key not found",
                    "Agent key not found",
                ),
            ],
        ),
        e,
    );
    c.invalid = vec![
        inv(&b, 2, "bad_signature", "invalid_signature"),
        inv(&b, 4, "unknown_key", "agent_key_invalid"),
    ];
    cases.push(c);
    let b = next(6);
    let mut e = clean(6, 101, 5).fail(&b.id(2), "invalid", "bad_signature");
    bump(&mut e.invalid_accepted, "bad_signature");
    e.every_event_accepted = false;
    e.every_receipt_verifies = false;
    let mut c = case(
        "an invalid event accepted",
        &b,
        true,
        answer_text(
            6,
            Some(101),
            Some(106),
            106,
            receipts(&b, 101, true),
            vec![],
        ),
        e,
    );
    c.invalid = vec![inv(&b, 2, "bad_signature", "invalid_signature")];
    cases.push(c);
    let b = next(6);
    let rs: Vec<Value> = [0, 1, 3, 4, 5]
        .iter()
        .enumerate()
        .map(|(k, i)| b.receipt(*i, 101 + k as u64, true))
        .collect();
    let mut e = clean(5, 101, 5).fail(&b.id(2), "invalid", "payload_hash_mismatch");
    e.seqs = vec![[0, 2, 101], [3, 3, 103]];
    bump(&mut e.invalid_accepted, "payload_hash_mismatch");
    let mut c = case(
        "an invalid event rejected with another reason",
        &b,
        true,
        answer_text(
            5,
            Some(101),
            Some(105),
            105,
            rs,
            vec![rejection(
                &b.id(2),
                "invalid_signature",
                "Agent signature verification failed",
            )],
        ),
        e,
    );
    c.invalid = vec![inv(&b, 2, "payload_hash_mismatch", "invalid_payload_hash")];
    cases.push(c);
    let b = next(6);
    let rs: Vec<Value> = [0, 1, 3, 4, 5]
        .iter()
        .enumerate()
        .map(|(k, i)| b.receipt(*i, 101 + k as u64, true))
        .collect();
    let mut e = clean(5, 101, 5)
        .fail(&b.id(2), "invalid", "bad_signature")
        .fail(&b.id(2), "missing", "missing");
    e.seqs = vec![[0, 2, 101], [3, 3, 103]];
    e.missing = 1;
    bump(&mut e.invalid_accepted, "bad_signature");
    e.every_event_accepted = false;
    let mut c = case(
        "an invalid event left without an answer",
        &b,
        true,
        answer_text(5, Some(101), Some(105), 105, rs, vec![]),
        e,
    );
    c.invalid = vec![inv(&b, 2, "bad_signature", "invalid_signature")];
    cases.push(c);
    let b = next(6);
    let rs: Vec<Value> = (0..5).map(|i| b.receipt(i, 101 + i as u64, true)).collect();
    let mut e = clean(5, 101, 5);
    bump(&mut e.invalid_rejected, "duplicate_in_batch");
    let mut c = case(
        "a copy of the first event in the same batch, rejected as a duplicate",
        &b,
        true,
        answer_text(
            5,
            Some(101),
            Some(105),
            105,
            rs,
            vec![rejection(
                &b.id(0),
                "duplicate_event_id",
                "Duplicate event_id in batch",
            )],
        ),
        e,
    );
    c.invalid = vec![InvalidEvent {
        index: 5,
        kind: "duplicate_in_batch".into(),
        code: "duplicate_event_id".into(),
        event_id: b.id(0),
    }];
    cases.push(c);

    // --- corpus lines (replays allowed): a corpus sent again, in part or in whole
    let corpus = |c: Case| Case {
        replays_allowed: true,
        ..c
    };
    let b = next(5);
    let mut e = Expected {
        replayed: 5,
        receipts_checked: 5,
        signatures_checked: 5,
        every_event_accepted: true,
        every_receipt_verifies: true,
        ..Expected::default()
    };
    e.failures.clear();
    cases.push(corpus(case(
        "a corpus line sent again: every event replayed with its receipt",
        &b,
        true,
        answer_text(0, None, None, 500, receipts(&b, 11, true), vec![]),
        e.clone(),
    )));
    let b = next(5);
    let mut rs: Vec<Value> = (0..3).map(|i| b.receipt(i, 11 + i as u64, true)).collect();
    rs.extend((3..5).map(|i| b.receipt(i, 498 + i as u64, true)));
    let part = Expected {
        accepted: 2,
        new_receipts: 2,
        replayed: 3,
        seqs: vec![[3, 2, 501]],
        ..e.clone()
    };
    cases.push(corpus(case(
        "a corpus line partly sequenced before",
        &b,
        true,
        answer_text(2, Some(501), Some(502), 502, rs, vec![]),
        part,
    )));
    let b = next(5);
    let mut rs = receipts(&b, 11, true);
    rs.remove(1);
    let mut e2 = Expected {
        replayed: 4,
        receipts_checked: 4,
        signatures_checked: 4,
        ..e.clone()
    }
    .fail(&b.id(1), "replay", "refused");
    bump(&mut e2.replay_violations, "refused");
    e2.every_event_accepted = false;
    e2.every_receipt_verifies = false;
    cases.push(corpus(case(
        "a corpus event refused as different contents on its second send",
        &b,
        true,
        answer_text(
            0,
            None,
            None,
            500,
            rs,
            vec![rejection(
                &b.id(1),
                "duplicate_event_id",
                "Event ID already exists with different contents",
            )],
        ),
        e2,
    )));
    let b = next(5);
    let mut rs = receipts(&b, 11, true);
    rs[4] = b.receipt(4, 600, true);
    let mut e2 = Expected {
        replayed: 4,
        receipts_checked: 4,
        ..e.clone()
    }
    .fail(&b.id(4), "replay", "new_sequence");
    bump(&mut e2.replay_violations, "new_sequence");
    e2.every_event_accepted = false;
    e2.every_receipt_verifies = false;
    cases.push(corpus(case(
        "a corpus event replayed with a number above the head",
        &b,
        true,
        answer_text(0, None, None, 500, rs, vec![]),
        e2,
    )));
    let b = next(5);
    let mut rs = receipts(&b, 11, true);
    rs[0]["receiptHash"] = json!(flip_hex(rs[0]["receiptHash"].as_str().unwrap(), 0));
    let mut e2 = e.clone().fail(&b.id(0), "receipt", "receipt_hash_mismatch");
    e2.invalid_receipts = 1;
    e2.every_receipt_verifies = false;
    cases.push(corpus(case(
        "a corpus event replayed with a wrong receipt hash",
        &b,
        true,
        answer_text(0, None, None, 500, rs, vec![]),
        e2,
    )));
    let b = next(5);
    let mut e2 = e.clone();
    e2.every_event_accepted = false;
    e2.every_receipt_verifies = false;
    for i in 0..5 {
        e2 = e2.fail(&b.id(i), "replay", "unexpected_replay");
    }
    cases.push(case(
        "fresh events answered as replays where no replay is expected",
        &b,
        true,
        answer_text(0, None, None, 500, receipts(&b, 11, true), vec![]),
        e2,
    ));

    // --- re-sends of an accepted batch (REPLAY_RATE): the whole original receipt back
    let resend =
        |name: &str, b: &Batch, original: String, status: u16, answer: String, expect: Expected| {
            Case {
                kind: "resend".into(),
                original: Some(original),
                status,
                ..case(name, b, false, answer, expect)
            }
        };
    let replayed = |n: u64| Expected {
        replayed: n,
        receipts_checked: n,
        every_event_accepted: true,
        every_receipt_verifies: true,
        ..Expected::default()
    };
    let violated = |mut e: Expected, id: &str, kind: &str| {
        bump(&mut e.replay_violations, kind);
        e.every_event_accepted = false;
        e.every_receipt_verifies = false;
        e.fail(id, "replay", kind)
    };
    // The real server answers a replay with sequencedAt cut to microseconds (LIVE_OBSERVED §4).
    let to_micros = |mut r: Value| {
        let at = r["sequencedAt"].as_str().unwrap().to_string();
        r["sequencedAt"] = json!(format!("{}{}", &at[..26], &at[29..]));
        r
    };
    let b = next(5);
    let first = answer_text(
        5,
        Some(101),
        Some(105),
        105,
        receipts(&b, 101, true),
        vec![],
    );
    cases.push(resend(
        "a re-send answered with the original receipts, sequencedAt cut to microseconds",
        &b,
        first.clone(),
        200,
        answer_text(
            0,
            None,
            None,
            300,
            receipts(&b, 101, true).into_iter().map(to_micros).collect(),
            vec![],
        ),
        replayed(5),
    ));
    cases.push(resend(
        "a re-send answered with the original receipts, byte for byte",
        &b,
        first.clone(),
        200,
        answer_text(0, None, None, 300, receipts(&b, 101, true), vec![]),
        replayed(5),
    ));
    let mut rs = receipts(&b, 101, true);
    rs[1]["sequencerSignature"] = json!(flip_hex(rs[1]["sequencerSignature"].as_str().unwrap(), 3));
    cases.push(resend(
        "a re-send whose receipt carries another sequencer signature",
        &b,
        first.clone(),
        200,
        answer_text(0, None, None, 300, rs, vec![]),
        violated(replayed(4), &b.id(1), "different_receipt"),
    ));
    let mut rs = receipts(&b, 101, true);
    rs[3]["sequencedAt"] = json!("2026-11-28T01:15:34.100105+00:00");
    cases.push(resend(
        "a re-send whose receipt carries another sequencedAt",
        &b,
        first.clone(),
        200,
        answer_text(0, None, None, 300, rs, vec![]),
        violated(replayed(4), &b.id(3), "different_receipt"),
    ));
    let mut rs = receipts(&b, 101, true);
    rs[0]["receiptHash"] = json!(flip_hex(rs[0]["receiptHash"].as_str().unwrap(), 9));
    cases.push(resend(
        "a re-send whose receipt carries another receipt hash",
        &b,
        first.clone(),
        200,
        answer_text(0, None, None, 300, rs, vec![]),
        violated(replayed(4), &b.id(0), "different_receipt"),
    ));
    let mut rs = receipts(&b, 101, true);
    rs[2] = b.receipt(2, 301, true);
    cases.push(resend(
        "a re-sent event given a new number",
        &b,
        first.clone(),
        200,
        answer_text(0, None, None, 301, rs, vec![]),
        violated(replayed(4), &b.id(2), "new_sequence"),
    ));
    let mut e = replayed(0);
    for i in 0..5 {
        e = violated(e, &b.id(i), "new_sequence");
    }
    e = violated(e, &b.id(0), "new_sequence");
    e.accepted = 5;
    cases.push(resend(
        "a re-sent batch accepted again",
        &b,
        first.clone(),
        200,
        answer_text(
            5,
            Some(301),
            Some(305),
            305,
            receipts(&b, 301, true),
            vec![],
        ),
        e,
    ));
    let mut rs = receipts(&b, 101, true);
    rs.remove(3);
    cases.push(resend(
        "a re-sent event refused as different contents",
        &b,
        first.clone(),
        200,
        answer_text(
            0,
            None,
            None,
            300,
            rs,
            vec![rejection(
                &b.id(3),
                "duplicate_event_id",
                "Event ID already exists with different contents",
            )],
        ),
        violated(replayed(4), &b.id(3), "refused"),
    ));
    let mut rs = receipts(&b, 101, true);
    rs.remove(4);
    cases.push(resend(
        "a re-sent event left without an answer",
        &b,
        first.clone(),
        200,
        answer_text(0, None, None, 300, rs, vec![]),
        violated(replayed(4), &b.id(4), "missing"),
    ));
    cases.push(resend(
        "a re-sent batch refused as a whole (HTTP 409)",
        &b,
        first.clone(),
        409,
        "conflict".into(),
        violated(replayed(0), &b.id(0), "http"),
    ));
    let mut e = replayed(0);
    e.unanswered = true;
    e.every_event_accepted = false;
    e.every_receipt_verifies = false;
    cases.push(resend(
        "a re-sent batch without an answer (HTTP 503)",
        &b,
        first,
        503,
        json!({"error": "pool_exhausted"}).to_string(),
        e,
    ));
    let b = next(6);
    let rs: Vec<Value> = [0, 1, 3, 4, 5]
        .iter()
        .enumerate()
        .map(|(k, i)| b.receipt(*i, 101 + k as u64, true))
        .collect();
    let refused = vec![rejection(
        &b.id(2),
        "invalid_signature",
        "Agent signature verification failed",
    )];
    let first = answer_text(5, Some(101), Some(105), 105, rs.clone(), refused.clone());
    let mut c = resend(
        "a re-send whose invalid event is refused again with its reason",
        &b,
        first,
        200,
        answer_text(0, None, None, 300, rs, refused),
        replayed(5),
    );
    c.invalid = vec![inv(&b, 2, "bad_signature", "invalid_signature")];
    cases.push(c);
    cases
}

// ---------------------------------------------------------------------------------------------
// Running the rule over a case

fn run(c: &Case) -> Verdict {
    let sent = SentBatch {
        tenant: c.tenant,
        store: c.store,
        events: c
            .events
            .iter()
            .map(|e| SentEvent {
                event_id: e.event_id.clone(),
                signing_hash: hexfmt::decode_fixed::<32>(&e.signing_hash, "signingHash").unwrap(),
            })
            .collect(),
    };
    let answer = answer::parse_answer(c.answer.as_bytes());
    if c.kind == "resend" {
        let first = answer::parse_answer(c.original.as_deref().unwrap().as_bytes()).unwrap();
        let originals =
            Originals::from_answer(&first, &c.invalid, &c.events[0].event_id, c.events.len());
        return answer::judge_resend(&originals, c.status, answer.as_ref());
    }
    let key = c
        .sequencer_public_key
        .as_deref()
        .map(|k| sign::verifying_key_from_hex(k).unwrap());
    let mut always = || true;
    let mut signatures = Signatures {
        key: key.as_ref(),
        sample: &mut always,
    };
    let expect = Expect {
        invalid: c.invalid.clone(),
        replays_allowed: c.replays_allowed,
    };
    answer::judge(&sent, &expect, c.status, answer.as_ref(), &mut signatures)
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ingest_answers.json")
}

fn built() -> File {
    File {
        format: FORMAT.into(),
        about: "Ingest answers and the verdict of the pass rule on each (ves_core::answer, js/answer_rule.js). Built by crates/ves-core/tests/answer_vectors.rs; run by it and by tests/k6/answer_vectors.test.js.".into(),
        cases: build(),
    }
}

#[test]
fn the_committed_vectors_are_the_built_ones() {
    let file = built();
    let text = serde_json::to_string_pretty(&file).unwrap() + "\n";
    if std::env::var_os("UPDATE_ANSWER_VECTORS").is_some() {
        std::fs::create_dir_all(path().parent().unwrap()).unwrap();
        std::fs::write(path(), &text).unwrap();
    }
    let committed = std::fs::read_to_string(path()).unwrap_or_else(|e| {
        panic!("{}: {e}; write it with UPDATE_ANSWER_VECTORS=1 cargo test -p ves-core --test answer_vectors", path().display())
    });
    assert!(
        committed == text,
        "{} is not what the test builds: rewrite it with UPDATE_ANSWER_VECTORS=1 cargo test -p ves-core --test answer_vectors",
        path().display()
    );
}

#[test]
fn the_rule_gives_every_case_its_verdict() {
    let text = std::fs::read_to_string(path()).unwrap();
    let file: File = serde_json::from_str(&text).unwrap();
    assert_eq!(file.format, FORMAT);
    let mut wrong = Vec::new();
    for c in &file.cases {
        let got = Expected::of(&run(c));
        if got != c.expect {
            wrong.push(format!(
                "{}:\n  expected {}\n  got      {}",
                c.name,
                serde_json::to_string(&c.expect).unwrap(),
                serde_json::to_string(&got).unwrap()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        file.cases.len(),
        wrong.join("\n")
    );
    // Every kind of failure is in the file at least once.
    let codes: std::collections::BTreeSet<String> = file
        .cases
        .iter()
        .flat_map(|c| c.expect.failures.iter().map(|f| f[2].clone()))
        .collect();
    for code in [
        "receipt_hash_mismatch",
        "bad_receipt_hash",
        "bad_sequencer_signature",
        "unsigned_receipt",
        "bad_signature_alg",
        "unknown_event",
        "missing",
        "not_consecutive",
        "duplicate_sequence",
        "bad_sequence_number",
        "invalid_signature",
        "unexpected_replay",
        "bad_signature",
        "refused",
        "new_sequence",
        "different_receipt",
        "http",
    ] {
        assert!(codes.contains(code), "no case fails with {code}");
    }
}
