//! Deliberate misbehaviour, FOR TESTS ONLY: the kit's end-to-end tests switch these on to prove
//! that the k6 scenarios notice a broken sequencer. Everything faulty lives here, so that the
//! normal path only calls a few hooks that do nothing when no fault is set.
//!
//! Each fault is one entry of [`FAULTS`]: its name, what its VALUE means, its default and what it
//! does. `--fault` parsing, its error message, `ves-devserver --help` and docs/FAULTS.md (written
//! by [`faults_markdown`], kept equal by the test `faults_doc_is_generated`) all read that table.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use uuid::Uuid;
use ves_core::hash::{self, Hash};
use ves_core::sign::{self, SigningKey};
use ves_core::{InclusionProof, Receipt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    BadReceiptHash,
    BadReceiptSignature,
    SkipSequence,
    DuplicateSequence,
    LoseEvent,
    CorruptProof,
    ShedLoad,
    ShedAboveRate,
    ReplaySpelling,
    SlowIngest,
    ReplayBroken,
    AcceptInvalidSignature,
    ReorderEntityReads,
}

/// One test fault, as `--fault` takes it and the docs describe it.
#[derive(Debug)]
pub struct FaultDef {
    pub kind: FaultKind,
    /// The KIND of `--fault KIND[=VALUE]`.
    pub name: &'static str,
    /// What VALUE is (`N`, `S`, `A-B`), empty for a fault that takes none.
    pub value: &'static str,
    /// VALUE when none is given (parsed as a given one would be), empty for a fault without one.
    pub default: &'static str,
    /// What the server does wrong (Markdown).
    pub effect: &'static str,
}

/// Every test fault. A new fault is one entry here (and its `FaultKind`, and its arm in
/// [`Faults::from_specs`], which the compiler asks for).
pub const FAULTS: &[FaultDef] = &[
    FaultDef {
        kind: FaultKind::BadReceiptHash,
        name: "bad_receipt_hash",
        value: "N",
        default: "50",
        effect: "one new receipt in N carries a `receiptHash` with one bit flipped (the stored \
                 receipt is right: a replay returns it)",
    },
    FaultDef {
        kind: FaultKind::BadReceiptSignature,
        name: "bad_receipt_signature",
        value: "N",
        default: "50",
        effect: "one new receipt in N carries a `sequencerSignature` with one bit flipped",
    },
    FaultDef {
        kind: FaultKind::SkipSequence,
        name: "skip_sequence",
        value: "S",
        default: "100",
        effect: "once, the counter jumps by 2 at sequence S: S is never assigned, a real gap \
                 (commitments across it fail)",
    },
    FaultDef {
        kind: FaultKind::DuplicateSequence,
        name: "duplicate_sequence",
        value: "S",
        default: "100",
        effect: "once, the receipt of the event numbered S says S-1, with a receipt hash and \
                 signature consistent with the lie; storage is right",
    },
    FaultDef {
        kind: FaultKind::LoseEvent,
        name: "lose_event",
        value: "S",
        default: "100",
        effect: "once, the event numbered S is acknowledged (its receipt says S, \
                 `eventsAccepted` counts it) but never stored, and the next event is numbered S \
                 again: a lost write that only `ves audit --receipts` notices (docs/SCALE.md)",
    },
    FaultDef {
        kind: FaultKind::CorruptProof,
        name: "corrupt_proof",
        value: "N",
        default: "5",
        effect: "one inclusion proof in N has one sibling with a bit flipped (a one-leaf tree: \
                 `leaf_index` + 1)",
    },
    FaultDef {
        kind: FaultKind::ShedLoad,
        name: "shed_load",
        value: "A-B",
        default: "5-10",
        effect: "every `/api/*` request answers 503 \
                 `{\"code\":\"pool_exhausted\",\"error\":\"Service temporarily unavailable\"}`, \
                 before authentication, from second A to second B after start (the real \
                 server's load shedding)",
    },
    FaultDef {
        kind: FaultKind::ShedAboveRate,
        name: "shed_above_rate",
        value: "N",
        default: "1000",
        effect: "an ingest request answers the same 503 when admitting its events would take \
                 ingest above N events/s (a token bucket refilled at N events/s that holds a \
                 quarter second of them, so that short stages above N are shed too; refused \
                 events cost nothing): a capacity knee known in advance, for `ves capacity`'s \
                 tests (docs/CAPACITY.md)",
    },
    FaultDef {
        kind: FaultKind::ReplaySpelling,
        name: "replay_spelling",
        value: "",
        default: "",
        effect: "a replay, exact or re-spelled, is refused as `duplicate_event_id` \"Event ID \
                 already exists with different contents\" exactly when the real server refuses \
                 it (LIVE_OBSERVED.md section 10): the first send's payload goes through the real \
                 server's JSONB round trip (serde_json writes floats with ryu, e.g. `1e16`; \
                 PostgreSQL `numeric` prints them back without an exponent, keeping a literal \
                 `.0`; serde_json parses that again) and is compared with the incoming payload \
                 by value, where an integer and a float differ. So an exact replay of `1e16`, \
                 `1.2e17` or `-5.238102448364384e18` is refused and `-5238102448364384000`, \
                 `9007199254740992.0`, `1e21`, tiny and huge exponents, `-0.0` replay; a re-send \
                 of `7` as `7.0` or `0` as `-0.0` is refused. A pure function on serde_json \
                 values (`src/jsonb.rs`, unit-tested on every value of section 10)",
    },
    FaultDef {
        kind: FaultKind::SlowIngest,
        name: "slow_ingest",
        value: "MS",
        default: "50",
        effect: "every ingest request waits MS milliseconds inside its stream's lock before it \
                 is sequenced: latency without CPU, and, since requests of one stream queue on \
                 the lock, latency that grows with the offered rate (one stream sustains at most \
                 1000/MS requests/s): what makes `ves capacity` see a saturated server at low k6 \
                 CPU (docs/CAPACITY.md)",
    },
    FaultDef {
        kind: FaultKind::ReplayBroken,
        name: "replay_broken",
        value: "N",
        default: "1",
        effect: "one exact replay in N breaks idempotency, in turn: refused as above, then \
                 answered with a new sequence number (the stream's next, receipt hash and \
                 signature consistent with the lie; nothing stored)",
    },
    FaultDef {
        kind: FaultKind::AcceptInvalidSignature,
        name: "accept_invalid_signature",
        value: "N",
        default: "1",
        effect: "one event in N whose agent signature fails verification is accepted anyway",
    },
    FaultDef {
        kind: FaultKind::ReorderEntityReads,
        name: "reorder_entity_reads",
        value: "N",
        default: "1",
        effect: "one entity read (`GET /api/v1/entities/{type}/{id}`) in N that holds two or \
                 more events serves them in reverse order (what the query scenario's entity \
                 checks catch)",
    },
];

/// The comma-separated names of every fault, for help and error messages.
pub fn fault_names() -> String {
    FAULTS.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// The long help of `--fault`: one line per fault.
pub fn fault_help() -> String {
    let mut out = String::from(
        "FOR TESTS ONLY: make the server misbehave on purpose (repeatable; KIND or KIND=VALUE; \
         what each does: docs/FAULTS.md).\n",
    );
    for f in FAULTS {
        if f.value.is_empty() {
            out.push_str(&format!("\n  {}", f.name));
        } else {
            out.push_str(&format!(
                "\n  {}[={}] (default {})",
                f.name, f.value, f.default
            ));
        }
    }
    out
}

/// docs/FAULTS.md: the faults as a Markdown page.
pub fn faults_markdown() -> String {
    let mut out = String::from(
        "# Devserver test faults\n\n\
         <!-- Generated from crates/ves-devserver/src/faults.rs (FAULTS): edit the entries there, \
         then run `make docs`. -->\n\n\
         **For tests only.** The kit's end-to-end tests switch these on to prove that the k6 \
         scenarios notice a broken sequencer. Enable one with `ves-devserver --fault \
         KIND[=VALUE]` (repeatable) or `VES_DEVSERVER_FAULT=KIND[=VALUE],KIND…`; each active \
         fault prints `WARNING: TEST FAULT ENABLED, this server misbehaves on purpose: …` to \
         stderr at start. Counters are global to the process (across streams); the faults at a \
         sequence number S fire once per process.\n\n\
         | kind | VALUE (default) | effect |\n|---|---|---|\n",
    );
    for f in FAULTS {
        let value = if f.value.is_empty() {
            "none".to_string()
        } else {
            format!("{} ({})", f.value, f.default)
        };
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            f.name,
            value,
            f.effect.replace('|', "\\|")
        ));
    }
    out
}

/// One `--fault` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpec {
    pub kind: FaultKind,
    pub value: Option<String>,
}

impl FaultSpec {
    /// This fault's entry of [`FAULTS`].
    pub fn def(&self) -> &'static FaultDef {
        FAULTS
            .iter()
            .find(|f| f.kind == self.kind)
            .expect("every FaultKind has its entry in FAULTS (test every_kind_has_an_entry)")
    }

    /// VALUE as given, or the fault's default.
    fn value_or_default(&self) -> &str {
        self.value.as_deref().unwrap_or(self.def().default)
    }
}

impl FromStr for FaultSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
            None => (s.trim(), None),
        };
        if name == "replay_float_refused" {
            return Err("fault replay_float_refused is gone: replay_spelling models the real server's measured rule (LIVE_OBSERVED.md section 10)".into());
        }
        match FAULTS.iter().find(|f| f.name == name) {
            Some(f) => Ok(FaultSpec {
                kind: f.kind,
                value,
            }),
            None => Err(format!(
                "unknown fault {name:?}; expected one of {} (optionally KIND=VALUE)",
                fault_names()
            )),
        }
    }
}

fn positive(spec: &FaultSpec) -> Result<u64, String> {
    let v = spec.value_or_default();
    match v.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "fault {:?}: expected a positive integer, found {v:?}",
            spec.kind
        )),
    }
}

fn window(spec: &FaultSpec) -> Result<(u64, u64), String> {
    let v = spec.value_or_default();
    let parsed = v
        .split_once('-')
        .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
    match parsed {
        Some((a, b)) if a < b => Ok((a, b)),
        _ => Err(format!(
            "fault shed_load: expected a window of seconds after start such as 5-10, found {v:?}"
        )),
    }
}

/// Every N-th call answers true (the N-th, 2N-th, …).
#[derive(Debug)]
struct EveryNth {
    n: u64,
    count: AtomicU64,
}

impl EveryNth {
    fn new(n: u64) -> Self {
        EveryNth {
            n,
            count: AtomicU64::new(0),
        }
    }
    fn hit(&self) -> bool {
        (self.count.fetch_add(1, Ordering::Relaxed) + 1) % self.n == 0
    }
}

/// Fires once, at a given sequence number.
#[derive(Debug)]
struct Once {
    at: u64,
    fired: AtomicBool,
}

impl Once {
    fn new(at: u64) -> Self {
        Once {
            at,
            fired: AtomicBool::new(false),
        }
    }
    fn hit(&self, seq: u64) -> bool {
        seq == self.at && !self.fired.swap(true, Ordering::Relaxed)
    }
}

/// What a receipt is about, so that a lie can be made consistent.
pub struct ReceiptFacts<'a> {
    pub tenant: &'a Uuid,
    pub store: &'a Uuid,
    pub signing_hash: &'a Hash,
    pub sequencer_key: &'a SigningKey,
}

#[derive(Debug)]
pub struct Faults {
    bad_receipt_hash: Option<EveryNth>,
    bad_receipt_signature: Option<EveryNth>,
    skip_sequence: Option<Once>,
    duplicate_sequence: Option<Once>,
    lose_event: Option<Once>,
    corrupt_proof: Option<EveryNth>,
    shed_load: Option<(Duration, Duration)>,
    shed_above_rate: Option<RateGate>,
    replay_spelling: bool,
    slow_ingest: Option<Duration>,
    replay_broken: Option<EveryNth>,
    accept_invalid_signature: Option<EveryNth>,
    reorder_entity_reads: Option<EveryNth>,
    started: Instant,
    specs: Vec<String>,
}

impl Faults {
    /// A well-behaved server.
    pub fn none() -> Self {
        Faults {
            bad_receipt_hash: None,
            bad_receipt_signature: None,
            skip_sequence: None,
            duplicate_sequence: None,
            lose_event: None,
            corrupt_proof: None,
            shed_load: None,
            shed_above_rate: None,
            replay_spelling: false,
            slow_ingest: None,
            replay_broken: None,
            accept_invalid_signature: None,
            reorder_entity_reads: None,
            started: Instant::now(),
            specs: Vec::new(),
        }
    }

    pub fn from_specs(specs: &[FaultSpec]) -> Result<Self, String> {
        let mut f = Faults::none();
        for spec in specs {
            let described = match spec.kind {
                FaultKind::BadReceiptHash => {
                    let n = positive(spec)?;
                    f.bad_receipt_hash = Some(EveryNth::new(n));
                    format!("bad_receipt_hash: one new receipt in {n} has a wrong receiptHash")
                }
                FaultKind::BadReceiptSignature => {
                    let n = positive(spec)?;
                    f.bad_receipt_signature = Some(EveryNth::new(n));
                    format!("bad_receipt_signature: one new receipt in {n} has a wrong sequencerSignature")
                }
                FaultKind::SkipSequence => {
                    let at = positive(spec)?;
                    f.skip_sequence = Some(Once::new(at));
                    format!("skip_sequence: sequence {at} is skipped once (a gap)")
                }
                FaultKind::DuplicateSequence => {
                    let at = positive(spec)?.max(2);
                    f.duplicate_sequence = Some(Once::new(at));
                    format!(
                        "duplicate_sequence: the receipt of sequence {at} says {}",
                        at - 1
                    )
                }
                FaultKind::LoseEvent => {
                    let at = positive(spec)?;
                    f.lose_event = Some(Once::new(at));
                    format!("lose_event: the event sequenced at {at} is acknowledged but not stored; the next one gets {at} too")
                }
                FaultKind::CorruptProof => {
                    let n = positive(spec)?;
                    f.corrupt_proof = Some(EveryNth::new(n));
                    format!("corrupt_proof: one inclusion proof in {n} has a flipped sibling")
                }
                FaultKind::ShedLoad => {
                    let (a, b) = window(spec)?;
                    f.shed_load = Some((Duration::from_secs(a), Duration::from_secs(b)));
                    format!("shed_load: every /api/* request gets 503 pool_exhausted from {a} s to {b} s after start")
                }
                FaultKind::ShedAboveRate => {
                    let rate = positive(spec)?;
                    f.shed_above_rate = Some(RateGate::new(rate));
                    format!("shed_above_rate: ingest requests get 503 pool_exhausted above {rate} events/s")
                }
                FaultKind::ReplaySpelling => {
                    f.replay_spelling = true;
                    "replay_spelling: replays are refused as different contents where the real server refuses them (its JSONB round trip: 7 and 7.0 differ, whole floats from 1e16 come back as integers)".to_string()
                }
                FaultKind::SlowIngest => {
                    let ms = positive(spec)?;
                    f.slow_ingest = Some(Duration::from_millis(ms));
                    format!(
                        "slow_ingest: every ingest request waits {ms} ms inside its stream's lock"
                    )
                }
                FaultKind::ReplayBroken => {
                    let n = positive(spec)?;
                    f.replay_broken = Some(EveryNth::new(n));
                    format!("replay_broken: one exact replay in {n} is refused or gets a new sequence number, in turn")
                }
                FaultKind::AcceptInvalidSignature => {
                    let n = positive(spec)?;
                    f.accept_invalid_signature = Some(EveryNth::new(n));
                    format!("accept_invalid_signature: one event in {n} with a bad agent signature is accepted")
                }
                FaultKind::ReorderEntityReads => {
                    let n = positive(spec)?;
                    f.reorder_entity_reads = Some(EveryNth::new(n));
                    format!("reorder_entity_reads: one entity read in {n} (of two or more events) serves them in reverse order")
                }
            };
            f.specs.push(described);
        }
        Ok(f)
    }

    /// One line per active fault, for the loud warning at start.
    pub fn describe(&self) -> &[String] {
        &self.specs
    }

    /// The sequence number after `head` (normally `head + 1`).
    pub fn next_sequence(&self, head: u64) -> u64 {
        let next = head + 1;
        match &self.skip_sequence {
            Some(once) if once.hit(next) => next + 1,
            _ => next,
        }
    }

    /// Whether the event just given `seq` is to be acknowledged but lost (`lose_event`).
    pub fn lose(&self, seq: u64) -> bool {
        self.lose_event.as_ref().is_some_and(|once| once.hit(seq))
    }

    /// Corrupts a freshly made receipt, if a receipt fault says so.
    pub fn tamper_receipt(&self, receipt: &mut Receipt, facts: &ReceiptFacts<'_>) {
        if let Some(once) = &self.duplicate_sequence {
            if once.hit(receipt.sequence_number) {
                receipt.sequence_number -= 1;
                receipt.receipt_hash = hash::receipt_hash(
                    facts.tenant,
                    facts.store,
                    &receipt.event_id,
                    receipt.sequence_number,
                    facts.signing_hash,
                );
                receipt.sequencer_signature =
                    hex::encode(sign::sign_hash(facts.sequencer_key, &receipt.receipt_hash));
            }
        }
        if self.bad_receipt_hash.as_ref().is_some_and(EveryNth::hit) {
            receipt.receipt_hash[0] ^= 1;
        }
        if self
            .bad_receipt_signature
            .as_ref()
            .is_some_and(EveryNth::hit)
        {
            let mut sig = [0u8; 64];
            if hex::decode_to_slice(&receipt.sequencer_signature, &mut sig).is_ok() {
                sig[0] ^= 1;
                receipt.sequencer_signature = hex::encode(sig);
            }
        }
    }

    /// Corrupts a proof about to be served, if `corrupt_proof` says so.
    pub fn tamper_proof(&self, proof: &mut InclusionProof) {
        if let Some(every) = &self.corrupt_proof {
            if every.hit() {
                match proof.proof_path.first_mut() {
                    Some(sibling) => sibling[0] ^= 1,
                    // A one-leaf tree has no sibling: claim the wrong position instead.
                    None => proof.leaf_index += 1,
                }
            }
        }
    }

    /// Whether `/api/*` is being shed right now.
    pub fn shedding(&self) -> bool {
        self.shed_load.is_some_and(|(from, to)| {
            let t = self.started.elapsed();
            t >= from && t < to
        })
    }
}

impl Faults {
    /// Whether an ingest request of `events` events is shed by `shed_above_rate`.
    pub fn shed_events(&self, events: usize) -> bool {
        self.shed_above_rate
            .as_ref()
            .is_some_and(|gate| !gate.admit(events as f64, Instant::now()))
    }
}

/// A token bucket refilled at `rate` events per second that holds a quarter second of them:
/// a steady `rate` events/s passes (with a quarter second of scheduling jitter), anything
/// beyond it is refused even on stages of a few seconds, and refused events cost nothing. A
/// request is admitted when the bucket holds its events or is full, so that a batch larger
/// than the bucket still passes at the rate (the bucket goes into debt).
#[derive(Debug)]
struct RateGate {
    rate: f64,
    state: parking_lot::Mutex<(f64, Instant)>,
}

impl RateGate {
    fn new(rate: u64) -> Self {
        let rate = rate as f64;
        RateGate {
            rate,
            state: parking_lot::Mutex::new((rate / 4.0, Instant::now())),
        }
    }

    fn admit(&self, events: f64, now: Instant) -> bool {
        let capacity = self.rate / 4.0;
        let mut state = self.state.lock();
        let (tokens, last) = *state;
        let refilled =
            (tokens + now.saturating_duration_since(last).as_secs_f64() * self.rate).min(capacity);
        let admitted = refilled >= events.min(capacity);
        *state = (
            if admitted {
                refilled - events
            } else {
                refilled
            },
            now,
        );
        admitted
    }
}

/// How an exact replay is answered (only `Honest` without a replay fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayAnswer {
    /// The stored receipt, as it should be.
    Honest,
    /// Refused as "Event ID already exists with different contents".
    Refuse,
    /// The stored receipt with another sequence number, hash and signature made consistent.
    NewSequence,
}

impl Faults {
    /// How long an ingest request waits inside its stream's lock (`slow_ingest`).
    pub fn ingest_delay(&self) -> Option<Duration> {
        self.slow_ingest
    }

    /// How to answer the replay of an event (same signing hash and canonical payload) whose
    /// first send stored `stored` (the payload's compact text) and which now carries `payload`.
    pub fn replay_answer(
        &self,
        stored: Option<&str>,
        payload: Option<&serde_json::Value>,
    ) -> ReplayAnswer {
        if self.replay_spelling {
            let first = stored.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
            if let (Some(first), Some(incoming)) = (first, payload) {
                if crate::jsonb::replay_refused(&first, incoming) {
                    return ReplayAnswer::Refuse;
                }
            }
        }
        match &self.replay_broken {
            Some(every) => {
                let k = every.count.fetch_add(1, Ordering::Relaxed) + 1;
                if k % every.n != 0 {
                    ReplayAnswer::Honest
                } else if (k / every.n) % 2 == 1 {
                    ReplayAnswer::Refuse
                } else {
                    ReplayAnswer::NewSequence
                }
            }
            None => ReplayAnswer::Honest,
        }
    }

    /// Whether an event whose agent signature failed verification is accepted anyway.
    pub fn accept_bad_signature(&self) -> bool {
        self.accept_invalid_signature
            .as_ref()
            .is_some_and(EveryNth::hit)
    }

    /// Reverses an entity's page of events, if `reorder_entity_reads` says so (only pages of two
    /// or more events count, so that every hit is visible).
    pub fn reorder_entity_page<T>(&self, events: &mut [T]) {
        if events.len() >= 2
            && self
                .reorder_entity_reads
                .as_ref()
                .is_some_and(EveryNth::hit)
        {
            events.reverse();
        }
    }

    /// Gives a stored receipt a new sequence number, with hash and signature to match.
    pub fn renumber_receipt(&self, receipt: &mut Receipt, seq: u64, facts: &ReceiptFacts<'_>) {
        receipt.sequence_number = seq;
        receipt.receipt_hash = hash::receipt_hash(
            facts.tenant,
            facts.store,
            &receipt.event_id,
            seq,
            facts.signing_hash,
        );
        receipt.sequencer_signature =
            hex::encode(sign::sign_hash(facts.sequencer_key, &receipt.receipt_hash));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str]) -> Vec<FaultSpec> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn skip_happens_once_at_its_sequence() {
        let f = Faults::from_specs(&specs(&["skip_sequence=3"])).unwrap();
        assert_eq!(f.next_sequence(1), 2);
        assert_eq!(f.next_sequence(2), 4);
        assert_eq!(f.next_sequence(4), 5);
        assert_eq!(Faults::none().next_sequence(2), 3);
    }

    #[test]
    fn lose_event_fires_once_at_its_sequence() {
        let f = Faults::from_specs(&specs(&["lose_event=4"])).unwrap();
        assert!(!f.lose(3));
        assert!(f.lose(4));
        assert!(!f.lose(4));
        assert!(!Faults::none().lose(4));
    }

    #[test]
    fn bad_values_are_explained() {
        assert!("nope"
            .parse::<FaultSpec>()
            .unwrap_err()
            .contains("unknown fault"));
        let e = Faults::from_specs(&specs(&["shed_load=9-3"])).unwrap_err();
        assert!(e.contains("5-10"), "{e}");
        assert!(Faults::from_specs(&specs(&["bad_receipt_hash=0"])).is_err());
    }

    #[test]
    fn rate_gate_admits_its_rate_and_sheds_above_it() {
        let gate = RateGate::new(100);
        let t0 = Instant::now();
        // Two batches of 10 events in the first instant use up the quarter-second burst.
        assert!((0..2).all(|_| gate.admit(10.0, t0)));
        assert!(!gate.admit(10.0, t0));
        // Then 100 events/s pass: 10 events every 100 ms for 5 s.
        assert!((1..=50).all(|i| gate.admit(10.0, t0 + Duration::from_millis(100 * i))));
        // 200 events/s does not: about half is refused.
        let refused = (1..=100)
            .filter(|i| !gate.admit(10.0, t0 + Duration::from_millis(5000 + 50 * i)))
            .count();
        assert!((45..=55).contains(&refused), "{refused}");
        // A batch larger than the bucket passes at the rate: 100 events once a second.
        let big = RateGate::new(100);
        assert!((0..5).all(|i| big.admit(100.0, t0 + Duration::from_secs(i))));
        assert!(!big.admit(100.0, t0 + Duration::from_millis(4100)));
        let f = Faults::from_specs(&specs(&["shed_above_rate=40"])).unwrap();
        assert!(!f.shed_events(10));
        assert!(f.shed_events(10));
        assert!(!Faults::none().shed_events(1_000_000));
        assert!(Faults::from_specs(&specs(&["shed_above_rate=0"])).is_err());
    }

    #[test]
    fn replay_faults_pick_their_events() {
        // replay_spelling: the real server's rule (jsonb.rs has its cases).
        let f = Faults::from_specs(&specs(&["replay_spelling"])).unwrap();
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
        let whole = r#"{"a":[1,{"b":1e16}]}"#;
        let small = r#"{"a":[1,{"b":9007199254740992.0}],"c":"1.5"}"#;
        assert_eq!(
            f.replay_answer(Some(whole), Some(&parse(whole))),
            ReplayAnswer::Refuse
        );
        assert_eq!(
            f.replay_answer(Some(small), Some(&parse(small))),
            ReplayAnswer::Honest
        );
        assert_eq!(
            f.replay_answer(Some(r#"{"q":7}"#), Some(&parse(r#"{"q":7.0}"#))),
            ReplayAnswer::Refuse
        );
        assert_eq!(
            Faults::none().replay_answer(Some(whole), Some(&parse(whole))),
            ReplayAnswer::Honest
        );
        let gone = "replay_float_refused".parse::<FaultSpec>().unwrap_err();
        assert!(gone.contains("replay_spelling"), "{gone}");
        let slow = Faults::from_specs(&specs(&["slow_ingest=30"])).unwrap();
        assert_eq!(slow.ingest_delay(), Some(Duration::from_millis(30)));
        assert_eq!(Faults::none().ingest_delay(), None);
        let f = Faults::from_specs(&specs(&["replay_broken=2"])).unwrap();
        let answers: Vec<ReplayAnswer> = (0..4).map(|_| f.replay_answer(None, None)).collect();
        use ReplayAnswer::*;
        assert_eq!(answers, [Honest, Refuse, Honest, NewSequence]);
        let f = Faults::from_specs(&specs(&["accept_invalid_signature=2"])).unwrap();
        assert_eq!(
            [f.accept_bad_signature(), f.accept_bad_signature()],
            [false, true]
        );
        assert!(!Faults::none().accept_bad_signature());
    }

    #[test]
    fn reorder_entity_reads_reverses_every_nth_page_of_two_or_more() {
        let f = Faults::from_specs(&specs(&["reorder_entity_reads=2"])).unwrap();
        let mut one = [1];
        f.reorder_entity_page(&mut one); // one event: not counted
        let pages: Vec<Vec<u32>> = (0..4)
            .map(|_| {
                let mut page = vec![1, 2, 3];
                f.reorder_entity_page(&mut page);
                page
            })
            .collect();
        assert_eq!(
            pages,
            [vec![1, 2, 3], vec![3, 2, 1], vec![1, 2, 3], vec![3, 2, 1]]
        );
        let mut page = vec![1, 2];
        Faults::none().reorder_entity_page(&mut page);
        assert_eq!(page, [1, 2]);
    }

    #[test]
    fn every_fault_has_one_entry_that_parses_with_its_default() {
        for (i, f) in FAULTS.iter().enumerate() {
            assert!(
                FAULTS[..i]
                    .iter()
                    .all(|g| g.name != f.name && g.kind != f.kind),
                "{} is listed twice",
                f.name
            );
            let spec: FaultSpec = f.name.parse().unwrap();
            assert_eq!(spec.def().name, f.name);
            assert!(
                Faults::from_specs(&[spec]).is_ok(),
                "{} with its default",
                f.name
            );
            assert_eq!(f.value.is_empty(), f.default.is_empty(), "{}", f.name);
        }
        let e = "nope".parse::<FaultSpec>().unwrap_err();
        assert!(e.contains(&fault_names()), "{e}");
    }

    /// docs/FAULTS.md is what `faults_markdown` writes (`VES_UPDATE_DOCS=1` rewrites it:
    /// `make docs`).
    #[test]
    fn faults_doc_is_generated() {
        // VES_DOCS_DIR: another docs/ folder (scripts/docs.sh's self-test checks a changed copy).
        let dir = std::env::var("VES_DOCS_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs").into());
        let path = format!("{dir}/FAULTS.md");
        let generated = faults_markdown();
        if std::env::var_os("VES_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "docs/FAULTS.md differs from the fault table in src/faults.rs: run `make docs` \
             (VES_UPDATE_DOCS=1 cargo test -p ves-devserver faults_doc)"
        );
    }

    #[test]
    fn every_nth_counts_from_one() {
        let e = EveryNth::new(3);
        let hits: Vec<bool> = (0..6).map(|_| e.hit()).collect();
        assert_eq!(hits, [false, false, true, false, false, true]);
    }
}
