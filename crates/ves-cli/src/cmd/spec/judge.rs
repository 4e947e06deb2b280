//! Judges one step's answer against its `expect` (spec/README.md, "Expectations"). Every check
//! here has its twin in `js/spec.js`; a test runs both runners and compares their verdicts.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;
use ves_core::hash::{self, Hash, ZERO_HASH};
use ves_core::merkle::{verify_inclusion, Anchor, InclusionProof, MerkleTree, TreeHead};
use ves_core::sign::{self, VerifyingKey};

use super::catalogue::{Expect, SkipWhen};
use super::events::BuiltEvent;
use super::wire::Answer;

/// What a property has seen so far.
#[derive(Default)]
pub struct Memory {
    pub events: BTreeMap<String, BuiltEvent>,
    /// The JSON answer of each step, by label (for a parallel step: the accepting answer).
    pub answers: BTreeMap<String, Value>,
    /// The sequence number of each event id's first receipt.
    pub seqs: BTreeMap<Uuid, u64>,
    pub captures: BTreeMap<String, Value>,
}

pub enum Outcome {
    Pass,
    Skip(String),
    Fail(Vec<String>),
}

pub fn json_of(a: &Answer) -> Option<Value> {
    let t = a.body.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        serde_json::from_str(&a.body).ok()
    } else {
        None
    }
}

/// The value at a dotted path (`events.0.envelope.event_id`).
pub fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = v;
    for part in path.split('.') {
        cur = match cur {
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            Value::Object(o) => o.get(part)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// JSON equality with numbers compared by value (1 equals 1.0), as JavaScript sees them.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "nothing".into(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 120 {
                format!(
                    "{}…",
                    &s[..s.char_indices().nth(117).map(|(i, _)| i).unwrap_or(s.len())]
                )
            } else {
                s
            }
        }
    }
}

/// The shed rule: a 429 or 503 that the step did not expect, with a JSON code, is load
/// shedding, judged by the shedding class only.
pub fn shed(expect: &Expect, a: &Answer) -> Option<String> {
    if !(a.status == 429 || a.status == 503) {
        return None;
    }
    if expect.status.as_ref().is_some_and(|s| s.contains(a.status)) {
        return None;
    }
    let code = json_of(a).and_then(|j| j.get("code").and_then(Value::as_str).map(String::from))?;
    Some(format!(
        "the server shed this request ({} {code}); load shedding is judged by the shedding class",
        a.status
    ))
}

/// A large body whose connection the server closed while it was being sent: the server may have
/// answered early (a 413, a shed 503) and closed, and a client that is still writing can lose
/// that answer (k6's does, LIVE_OBSERVED §5 style shedding included). Judged as a SKIP, in both
/// runners alike.
pub const LOST_ANSWER_BODY_BYTES: usize = 1 << 20;

pub fn lost(body_len: usize, a: &Answer) -> Option<String> {
    let e = a.error.as_deref()?.to_ascii_lowercase();
    (body_len > LOST_ANSWER_BODY_BYTES && (e.contains("broken pipe") || e.contains("connection reset"))).then(|| {
        format!("the server closed the connection while the {body_len}-byte body was being sent, so its answer could not be read ({})", a.error.as_deref().unwrap_or_default())
    })
}

pub fn skip(when: &SkipWhen, a: &Answer) -> bool {
    if when.status.as_ref().is_some_and(|s| s.contains(&a.status)) {
        return true;
    }
    if when.json.is_empty() {
        return false;
    }
    let Some(j) = json_of(a) else { return false };
    when.json
        .iter()
        .all(|(p, want)| at(&j, p).is_some_and(|v| same(v, want)))
}

fn receipts(j: &Value) -> Vec<&Value> {
    j.get("receipts")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn receipt_for<'v>(j: &'v Value, id: &Uuid) -> Option<&'v Value> {
    receipts(j).into_iter().find(|r| {
        r.get("eventId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .is_some_and(|u| &u == id)
    })
}

fn rejections_for<'v>(j: &'v Value, id: &Uuid) -> Vec<&'v Value> {
    j.get("rejections")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|r| {
                    r.get("event_id")
                        .and_then(Value::as_str)
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .is_some_and(|u| &u == id)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn hash_of(v: Option<&Value>) -> Option<Hash> {
    let s = v?.as_str()?;
    ves_core::hexfmt::decode_fixed::<32>(s, "hash").ok()
}

fn same_receipt(a: &Value, b: &Value) -> bool {
    ["sequenceNumber", "sequencerId", "sequencerSignature"]
        .iter()
        .all(|k| a.get(*k) == b.get(*k))
        && hash_of(a.get("receiptHash")) == hash_of(b.get("receiptHash"))
}

pub struct Judge<'a> {
    pub memory: &'a Memory,
    pub sequencer_key: Option<&'a VerifyingKey>,
    /// Fills `{{…}}` in expected texts and values.
    pub fill: &'a dyn Fn(&str) -> anyhow::Result<String>,
}

impl Judge<'_> {
    fn event(&self, name: &str) -> Option<&BuiltEvent> {
        self.memory.events.get(name)
    }

    fn filled(&self, s: &str) -> String {
        (self.fill)(s).unwrap_or_else(|e| format!("<{e}>"))
    }

    fn filled_value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.filled(s)),
            other => other.clone(),
        }
    }

    /// The events of the property with this id (a re-spelled twin shares its id).
    fn events_with_id(&self, id: &Uuid) -> Vec<&BuiltEvent> {
        self.memory
            .events
            .values()
            .filter(|e| &e.event_id == id)
            .collect()
    }

    pub fn check(&self, expect: &Expect, answers: &[Answer]) -> Outcome {
        let mut p: Vec<String> = Vec::new();
        if answers.len() > 1 {
            return self.check_parallel(expect, answers);
        }
        let a = &answers[0];
        if let Some(e) = &a.error {
            p.push(format!("no answer: {e}"));
            return Outcome::Fail(p);
        }
        if let Some(s) = &expect.status {
            if !s.contains(a.status) {
                p.push(format!(
                    "status: expected {}, found {}",
                    show(Some(&serde_json::to_value(s).unwrap_or_default())),
                    a.status
                ));
            }
        }
        if expect.denied == Some(true) && !(400..500).contains(&a.status) {
            p.push(format!(
                "status: expected a denial (4xx), found {}",
                a.status
            ));
        }
        let j = json_of(a);
        if let Some(code) = &expect.code {
            let found = j.as_ref().and_then(|j| {
                j.get("code")
                    .or_else(|| j.get("error").and_then(|e| e.get("code")))
                    .and_then(Value::as_str)
            });
            if found != Some(code.as_str()) {
                p.push(format!(
                    "code: expected {code:?}, found {}",
                    found.map(|f| format!("{f:?}")).unwrap_or("none".into())
                ));
            }
        }
        if let Some(t) = &expect.text {
            let t = self.filled(t);
            if a.body != t {
                p.push(format!(
                    "body: expected {t:?}, found {:?}",
                    a.body.chars().take(200).collect::<String>()
                ));
            }
        }
        if let Some(t) = &expect.text_prefix {
            if !a.body.starts_with(t.as_str()) {
                p.push(format!(
                    "body: expected a text starting {t:?}, found {:?}",
                    a.body.chars().take(200).collect::<String>()
                ));
            }
        }
        for (name, want) in &expect.headers {
            match a.header(&name.to_ascii_lowercase()) {
                None => p.push(format!("header {name}: expected {want:?}, found none")),
                Some(v) if want != "*" && v != want => {
                    p.push(format!("header {name}: expected {want:?}, found {v:?}"))
                }
                _ => {}
            }
        }
        let needs_json = !expect.json.is_empty()
            || expect.accepted.is_some()
            || expect.rejected.is_some()
            || expect.sequence.is_some()
            || expect.head.is_some()
            || expect.receipts.is_some()
            || expect.events.values().any(|o| o != "refused")
            || !expect.messages.is_empty()
            || expect.receipt_hashes.is_some()
            || expect.receipt_signatures.is_some()
            || expect.receipt_fields.is_some()
            || expect.commitment.is_some()
            || expect.same_batch_as.is_some()
            || expect.proof.is_some();
        let empty = Value::Null;
        let j = match (j.as_ref(), needs_json) {
            (Some(j), _) => j,
            (None, true) => {
                p.push(format!(
                    "body: expected JSON, found {:?}",
                    a.body.chars().take(200).collect::<String>()
                ));
                return Outcome::Fail(p);
            }
            (None, false) => &empty,
        };
        for (path, want) in &expect.json {
            let want = self.filled_value(want);
            let found = at(j, path);
            if !found.is_some_and(|f| same(f, &want)) {
                p.push(format!(
                    "{path}: expected {}, found {}",
                    show(Some(&want)),
                    show(found)
                ));
            }
        }
        let num = |k: &str| j.get(k).and_then(Value::as_u64);
        if let Some(n) = expect.accepted {
            if num("eventsAccepted") != Some(n) {
                p.push(format!(
                    "eventsAccepted: expected {n}, found {}",
                    show(j.get("eventsAccepted"))
                ));
            }
        }
        if let Some(n) = expect.rejected {
            if num("eventsRejected") != Some(n) {
                p.push(format!(
                    "eventsRejected: expected {n}, found {}",
                    show(j.get("eventsRejected"))
                ));
            }
        }
        if let Some([s, e]) = expect.sequence {
            for (k, want) in [("sequenceStart", s), ("sequenceEnd", e)] {
                let found = j.get(k).cloned().unwrap_or(Value::Null);
                let ok = match want {
                    Some(n) => found.as_u64() == Some(n),
                    None => found.is_null(),
                };
                if !ok {
                    p.push(format!(
                        "{k}: expected {}, found {}",
                        want.map(|n| n.to_string()).unwrap_or("null".into()),
                        found
                    ));
                }
            }
        }
        if let Some(n) = expect.head {
            if num("headSequence") != Some(n) {
                p.push(format!(
                    "headSequence: expected {n}, found {}",
                    show(j.get("headSequence"))
                ));
            }
        }
        if let Some(n) = expect.receipts {
            let found = receipts(j).len() as u64;
            if found != n {
                p.push(format!("receipts: expected {n}, found {found}"));
            }
        }
        for (name, outcome) in &expect.events {
            if let Err(e) = self.event_outcome(j, name, outcome) {
                p.push(format!("event {name}: {e}"));
            }
        }
        for (name, want) in &expect.messages {
            let want = self.filled(want);
            let Some(e) = self.event(name) else {
                p.push(format!("messages: no event {name}"));
                continue;
            };
            let rej = rejections_for(j, &e.event_id);
            if !rej
                .iter()
                .any(|r| r.get("message").and_then(Value::as_str) == Some(want.as_str()))
            {
                let found: Vec<String> = rej.iter().map(|r| show(r.get("message"))).collect();
                p.push(format!(
                    "event {name}: expected a rejection with message {want:?}, found {}",
                    if found.is_empty() {
                        "none".into()
                    } else {
                        found.join(", ")
                    }
                ));
            }
        }
        if expect.receipt_hashes == Some(true) {
            self.receipt_hashes(j, &mut p);
        }
        if expect.receipt_signatures == Some(true) {
            let Some(key) = self.sequencer_key else {
                return Outcome::Skip(
                    "no sequencer public key was given (SEQUENCER_PUBLIC_KEY or --sequencer-key)"
                        .into(),
                );
            };
            self.receipt_signatures(j, key, &mut p);
        }
        if expect.receipt_fields == Some(true) {
            self.receipt_fields(j, &mut p);
        }
        if let Some(c) = &expect.commitment {
            if let Err(e) = self.commitment(j, &c.events, &c.prev) {
                p.push(format!("commitment: {e}"));
            }
        }
        if let Some(step) = &expect.same_batch_as {
            match self.memory.answers.get(step) {
                None => p.push(format!("same_batch_as: no answer of step {step}")),
                Some(prev) => {
                    for k in ["batch_id", "merkle_root"] {
                        if prev.get(k) != j.get(k) {
                            p.push(format!(
                                "{k}: expected {} (as in step {step}), found {}",
                                show(prev.get(k)),
                                show(j.get(k))
                            ));
                        }
                    }
                }
            }
        }
        if let Some(pe) = &expect.proof {
            if let Err(e) = self.proof(j, &pe.event, &pe.commitment) {
                p.push(format!("proof of event {}: {e}", pe.event));
            }
        }
        if p.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(p)
        }
    }

    fn event_outcome(&self, j: &Value, name: &str, outcome: &str) -> Result<(), String> {
        let e = self.event(name).ok_or("no such event")?;
        let receipt = receipt_for(j, &e.event_id);
        let (kind, arg) = match outcome.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (outcome, None),
        };
        match kind {
            "refused" => match receipt {
                None => Ok(()),
                Some(r) => Err(format!(
                    "expected no receipt (refused), found one with sequence {}",
                    show(r.get("sequenceNumber"))
                )),
            },
            "accepted" => {
                let r = receipt.ok_or("expected a receipt (accepted), found none")?;
                let seq = r
                    .get("sequenceNumber")
                    .and_then(Value::as_u64)
                    .ok_or("a receipt without a sequenceNumber")?;
                if let Some(n) = arg {
                    if n.parse::<u64>().ok() != Some(seq) {
                        return Err(format!("expected sequence {n}, found {seq}"));
                    }
                }
                let s = j.get("sequenceStart").and_then(Value::as_u64);
                let t = j.get("sequenceEnd").and_then(Value::as_u64);
                match (s, t) {
                    (Some(s), Some(t)) if s <= seq && seq <= t => Ok(()),
                    _ => Err(format!(
                        "sequence {seq} is not new (sequenceStart {}, sequenceEnd {})",
                        show(j.get("sequenceStart")),
                        show(j.get("sequenceEnd"))
                    )),
                }
            }
            "replay" => {
                let step = arg.unwrap_or_default();
                let r =
                    receipt.ok_or("expected the original receipt (a replay), found no receipt")?;
                let prev = self
                    .memory
                    .answers
                    .get(step)
                    .and_then(|a| receipt_for(a, &e.event_id))
                    .ok_or(format!("no receipt of step {step} to compare with"))?;
                if same_receipt(r, prev) {
                    Ok(())
                } else {
                    Err(format!("expected the receipt of step {step} (sequence {}), found sequence {} with receiptHash {}", show(prev.get("sequenceNumber")), show(r.get("sequenceNumber")), show(r.get("receiptHash"))))
                }
            }
            "rejected" => {
                if let Some(r) = receipt {
                    return Err(format!(
                        "expected a rejection, found a receipt with sequence {}",
                        show(r.get("sequenceNumber"))
                    ));
                }
                let want = arg.unwrap_or_default().trim();
                let rej = rejections_for(j, &e.event_id);
                let ok = rej.iter().any(|r| {
                    r.get("reason")
                        .and_then(Value::as_str)
                        .is_some_and(|reason| {
                            reason == want || reason.starts_with(&format!("{want}:"))
                        })
                });
                if ok {
                    Ok(())
                } else {
                    let found: Vec<String> = rej.iter().map(|r| show(r.get("reason"))).collect();
                    Err(format!(
                        "expected rejection {want:?}, found {}",
                        if found.is_empty() {
                            "none".into()
                        } else {
                            found.join(", ")
                        }
                    ))
                }
            }
            other => Err(format!("unknown outcome {other:?}")),
        }
    }

    fn receipt_hashes(&self, j: &Value, p: &mut Vec<String>) {
        for r in receipts(j) {
            let id = r
                .get("eventId")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok());
            let seq = r.get("sequenceNumber").and_then(Value::as_u64);
            let (Some(id), Some(seq)) = (id, seq) else {
                p.push(format!(
                    "a receipt without eventId or sequenceNumber: {}",
                    show(Some(r))
                ));
                continue;
            };
            let claimed = hash_of(r.get("receiptHash"));
            let candidates = self.events_with_id(&id);
            if candidates.is_empty() {
                p.push(format!(
                    "a receipt for an event this property did not send: {id}"
                ));
                continue;
            }
            let ok = candidates.iter().any(|e| {
                Some(hash::receipt_hash(
                    &e.tenant,
                    &e.store,
                    &id,
                    seq,
                    &e.signing_hash,
                )) == claimed
            });
            if !ok {
                let e = candidates[0];
                let want = hash::receipt_hash(&e.tenant, &e.store, &id, seq, &e.signing_hash);
                p.push(format!(
                    "receiptHash of event {id} (sequence {seq}): expected {}, found {}",
                    hex::encode(want),
                    show(r.get("receiptHash"))
                ));
            }
        }
    }

    fn receipt_signatures(&self, j: &Value, key: &VerifyingKey, p: &mut Vec<String>) {
        for r in receipts(j) {
            let id = show(r.get("eventId"));
            if r.get("signatureAlg").and_then(Value::as_str) != Some("ed25519") {
                p.push(format!("receipt of {id}: signatureAlg {} (expected ed25519: a sequencer key was given)", show(r.get("signatureAlg"))));
                continue;
            }
            let sig = r
                .get("sequencerSignature")
                .and_then(Value::as_str)
                .and_then(|s| ves_core::hexfmt::decode_fixed::<64>(s, "signature").ok());
            let ok = match (hash_of(r.get("receiptHash")), sig) {
                (Some(h), Some(s)) => sign::verify_hash(key, &h, &s).is_ok(),
                _ => false,
            };
            if !ok {
                p.push(format!(
                    "receipt of {id}: sequencerSignature does not verify under the sequencer key"
                ));
            }
        }
    }

    fn receipt_fields(&self, j: &Value, p: &mut Vec<String>) {
        let rs = receipts(j);
        if rs.is_empty() {
            p.push("receipts: expected some, found none".into());
        }
        for r in rs {
            let id = show(r.get("eventId"));
            let uuid = |k: &str| {
                r.get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| Uuid::parse_str(s).is_ok())
            };
            if !uuid("sequencerId") {
                p.push(format!(
                    "receipt of {id}: sequencerId {} is no UUID",
                    show(r.get("sequencerId"))
                ));
            }
            let known = r
                .get("eventId")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .is_some_and(|u| !self.events_with_id(&u).is_empty());
            if !known {
                p.push(format!("receipt eventId {id} is none of the events sent"));
            }
            if !r
                .get("sequencedAt")
                .and_then(Value::as_str)
                .is_some_and(rfc3339)
            {
                p.push(format!(
                    "receipt of {id}: sequencedAt {} is not RFC 3339",
                    show(r.get("sequencedAt"))
                ));
            }
            if !r
                .get("sequenceNumber")
                .and_then(Value::as_u64)
                .is_some_and(|n| n >= 1)
            {
                p.push(format!(
                    "receipt of {id}: sequenceNumber {} is no positive integer",
                    show(r.get("sequenceNumber"))
                ));
            }
            let sig = r.get("sequencerSignature").and_then(Value::as_str);
            match r.get("signatureAlg").and_then(Value::as_str) {
                Some("ed25519")
                    if sig.is_some_and(|s| {
                        s.len() == 128 && s.bytes().all(|b| b.is_ascii_hexdigit())
                    }) => {}
                Some("none") if sig == Some("") => {}
                _ => p.push(format!(
                    "receipt of {id}: signatureAlg {} with sequencerSignature {}",
                    show(r.get("signatureAlg")),
                    show(r.get("sequencerSignature"))
                )),
            }
        }
    }

    fn leaf(&self, name: &str) -> Result<(u64, Hash, &BuiltEvent), String> {
        let e = self.event(name).ok_or(format!("no event {name}"))?;
        let seq = *self.memory.seqs.get(&e.event_id).ok_or(format!(
            "event {name} has no sequence number (no receipt seen)"
        ))?;
        Ok((
            seq,
            hash::leaf_hash(&e.tenant, &e.store, seq, &e.signing_hash, &e.signature),
            e,
        ))
    }

    fn commitment(&self, j: &Value, names: &[String], prev: &str) -> Result<(), String> {
        let mut leaves = Vec::new();
        let mut seqs = Vec::new();
        let mut stream = None;
        for n in names {
            let (seq, leaf, e) = self.leaf(n)?;
            leaves.push(leaf);
            seqs.push(seq);
            stream = Some((e.tenant, e.store));
        }
        let (tenant, store) = stream.ok_or("no events")?;
        let count = leaves.len() as u64;
        let tree = MerkleTree::new(leaves);
        let prev_root: Hash = if prev == "zero" {
            ZERO_HASH
        } else {
            hash_of(
                self.memory
                    .answers
                    .get(prev)
                    .and_then(|a| a.get("new_state_root")),
            )
            .ok_or(format!("no new_state_root in the answer of step {prev}"))?
        };
        let start = seqs[0];
        let end = *seqs.last().unwrap_or(&start);
        let root = tree.root();
        let state = hash::state_root(
            &hash::stream_id(&tenant, &store),
            &prev_root,
            &root,
            start,
            end,
            count as u32,
        );
        let mut p = Vec::new();
        let want_num = [
            ("sequence_start", start),
            ("sequence_end", end),
            ("leaf_count", count),
            ("padded_leaf_count", tree.padded_leaf_count()),
            ("tree_depth", tree.depth() as u64),
        ];
        for (k, v) in want_num {
            if j.get(k).and_then(Value::as_u64) != Some(v) {
                p.push(format!("{k} expected {v}, found {}", show(j.get(k))));
            }
        }
        for (k, v) in [
            ("merkle_root", root),
            ("prev_state_root", prev_root),
            ("new_state_root", state),
        ] {
            if hash_of(j.get(k)) != Some(v) {
                p.push(format!(
                    "{k} expected {}, found {}",
                    hex::encode(v),
                    show(j.get(k))
                ));
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(p.join("; "))
        }
    }

    fn proof(&self, j: &Value, name: &str, step: &str) -> Result<(), String> {
        let c = self
            .memory
            .answers
            .get(step)
            .ok_or(format!("no commitment answer of step {step}"))?;
        let (seq, leaf, _) = self.leaf(name)?;
        let start = c
            .get("sequence_start")
            .and_then(Value::as_u64)
            .ok_or("the commitment has no sequence_start")?;
        let mut p = Vec::new();
        if j.get("sequence_number").and_then(Value::as_u64) != Some(seq) {
            p.push(format!(
                "sequence_number expected {seq}, found {}",
                show(j.get("sequence_number"))
            ));
        }
        if j.get("leaf_index").and_then(Value::as_u64) != Some(seq.wrapping_sub(start)) {
            p.push(format!(
                "leaf_index expected {}, found {}",
                seq.wrapping_sub(start),
                show(j.get("leaf_index"))
            ));
        }
        if hash_of(j.get("leaf_hash")) != Some(leaf) {
            p.push(format!(
                "leaf_hash expected {} (rebuilt from the event sent), found {}",
                hex::encode(leaf),
                show(j.get("leaf_hash"))
            ));
        }
        let root = hash_of(c.get("merkle_root")).ok_or("the commitment has no merkle_root")?;
        if hash_of(j.get("merkle_root")) != Some(root) {
            p.push(format!(
                "merkle_root expected the commitment's {}, found {}",
                hex::encode(root),
                show(j.get("merkle_root"))
            ));
        }
        let head = TreeHead::new(
            root,
            c.get("leaf_count").and_then(Value::as_u64).unwrap_or(0),
            c.get("padded_leaf_count").and_then(Value::as_u64),
            c.get("tree_depth")
                .and_then(Value::as_u64)
                .map(|d| d as u32),
        );
        let proof: Result<InclusionProof, _> = serde_json::from_value(j.clone());
        match (head, proof) {
            (Ok(head), Ok(proof)) => {
                if let Err(e) = verify_inclusion(&proof, &leaf, Anchor::Tree(&head)) {
                    p.push(format!("the proof does not verify: {e}"));
                }
            }
            (Err(e), _) => p.push(format!("the commitment: {e}")),
            (_, Err(e)) => p.push(format!("the proof does not parse: {e}")),
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(p.join("; "))
        }
    }

    fn check_parallel(&self, expect: &Expect, answers: &[Answer]) -> Outcome {
        let mut p = Vec::new();
        let mut jsons = Vec::new();
        for (i, a) in answers.iter().enumerate() {
            if let Some(e) = &a.error {
                p.push(format!("connection {}: no answer: {e}", i + 1));
            } else if let Some(s) = &expect.status {
                if !s.contains(a.status) {
                    p.push(format!("connection {}: status {}", i + 1, a.status));
                }
            }
            jsons.push(json_of(a).unwrap_or(Value::Null));
        }
        if expect.concurrent.as_deref() == Some("one_accepts") && p.is_empty() {
            let accepting: Vec<usize> = jsons
                .iter()
                .enumerate()
                .filter(|(_, j)| j.get("eventsAccepted").and_then(Value::as_u64).unwrap_or(0) > 0)
                .map(|(i, _)| i)
                .collect();
            if accepting.len() != 1 {
                p.push(format!("expected exactly one answer to sequence the batch, found {} (eventsAccepted: {})", accepting.len(), jsons.iter().map(|j| show(j.get("eventsAccepted"))).collect::<Vec<_>>().join(", ")));
            } else {
                let first = &jsons[accepting[0]];
                let ids: Vec<Uuid> = {
                    let mut v: Vec<Uuid> =
                        self.memory.events.values().map(|e| e.event_id).collect();
                    v.dedup();
                    v
                };
                if first.get("eventsAccepted").and_then(Value::as_u64) != Some(ids.len() as u64) {
                    p.push(format!(
                        "the accepting answer sequenced {} of {} events",
                        show(first.get("eventsAccepted")),
                        ids.len()
                    ));
                }
                for (i, j) in jsons.iter().enumerate() {
                    if i == accepting[0] {
                        continue;
                    }
                    for id in &ids {
                        match (receipt_for(j, id), receipt_for(first, id)) {
                            (Some(r), Some(o)) if same_receipt(r, o) => {}
                            (r, _) => p.push(format!("connection {}: event {id}: expected the receipt of the accepting answer, found {}", i + 1, show(r))),
                        }
                    }
                }
            }
        }
        if p.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(p)
        }
    }
}

/// RFC 3339 as receipts carry it: date, `T`, time, optional fraction, `Z` or an offset.
pub fn rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        b"Z" => true,
        [sign, h1, h2, b':', m1, m2] => {
            (*sign == b'+' || *sign == b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_and_numeric_equality() {
        let v: Value = serde_json::from_str(r#"{"events":[{"envelope":{"n":1.0}}]}"#).unwrap();
        assert!(same(
            at(&v, "events.0.envelope.n").unwrap(),
            &serde_json::json!(1)
        ));
        assert!(at(&v, "events.1").is_none());
        assert!(rfc3339("2026-11-28T01:15:34.766108976+00:00"));
        assert!(rfc3339("2026-01-01T00:00:00Z"));
        assert!(!rfc3339("2026-01-01 00:00:00Z"));
    }
}
