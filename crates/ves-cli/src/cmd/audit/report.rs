//! What `ves audit` prints: a human summary (one block per stream, the findings by event id,
//! and a last line `audit: … result=PASS|FAIL`) or one JSON document (`--json`).

use std::path::PathBuf;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use uuid::Uuid;

use super::membership::{count_kinds, Finding, StreamResult};

/// Findings printed per stream in the human summary (`--json` has them all).
const SHOWN: usize = 20;

#[derive(Serialize)]
pub struct Report {
    pub receipts_files: Vec<PathBuf>,
    pub receipts_lines: u64,
    pub receipts_events: u64,
    /// Events whose signing hash and signature came from --corpus.
    pub from_corpus: Option<u64>,
    pub streams: Vec<StreamReport>,
    pub result: &'static str,
}

#[derive(Serialize)]
pub struct StreamReport {
    pub tenant: Uuid,
    pub store: Uuid,
    pub commitments: u64,
    /// First and last sequence number the commitments cover.
    pub sequence: Option<(u64, u64)>,
    pub from_genesis: bool,
    /// Ranges committed by --commit.
    pub committed: Vec<(u64, u64)>,
    pub chain_problems: Vec<String>,
    pub proofs_sampled: u64,
    pub proofs_verified: u64,
    pub proof_failures: Vec<String>,
    pub membership: Option<StreamResult>,
}

impl StreamReport {
    pub fn new(tenant: Uuid, store: Uuid) -> Self {
        StreamReport {
            tenant,
            store,
            commitments: 0,
            sequence: None,
            from_genesis: false,
            committed: Vec::new(),
            chain_problems: Vec::new(),
            proofs_sampled: 0,
            proofs_verified: 0,
            proof_failures: Vec::new(),
            membership: None,
        }
    }

    fn pass(&self) -> bool {
        self.chain_problems.is_empty()
            && self.proof_failures.is_empty()
            && self.membership.as_ref().map_or(true, |m| {
                m.findings.is_empty() && m.proven == m.acknowledged
            })
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal, and with --json).
pub fn progress(json: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) =
        ProgressStyle::with_template("audit {bar:30} {pos}/{len} {msg} [{elapsed_precise}]")
    {
        bar.set_style(style);
    }
    bar
}

impl Report {
    pub fn new(files: &[PathBuf], lines: u64, events: u64, from_corpus: Option<u64>) -> Self {
        Report {
            receipts_files: files.to_vec(),
            receipts_lines: lines,
            receipts_events: events,
            from_corpus,
            streams: Vec::new(),
            result: "PASS",
        }
    }

    pub fn pass(&mut self) -> bool {
        let pass = self.streams.iter().all(StreamReport::pass);
        self.result = if pass { "PASS" } else { "FAIL" };
        pass
    }

    pub fn print_json(&self) -> Result<()> {
        println!("{}", serde_json::to_string_pretty(self)?);
        Ok(())
    }

    pub fn print_human(&self) {
        if !self.receipts_files.is_empty() {
            let corpus = self
                .from_corpus
                .map(|n| format!(", {n} signatures from the corpus"))
                .unwrap_or_default();
            println!(
                "receipts: {} files, {} lines, {} acknowledged events{corpus}",
                self.receipts_files.len(),
                self.receipts_lines,
                self.receipts_events
            );
        }
        let (mut acknowledged, mut proven, mut proofs, mut verified) = (0, 0, 0, 0);
        let mut findings: Vec<&Finding> = Vec::new();
        let mut chain_ok = true;
        for s in &self.streams {
            let range = s
                .sequence
                .map(|(a, b)| format!(" (sequence {a}..={b})"))
                .unwrap_or_default();
            let chain = if s.chain_problems.is_empty() {
                if s.from_genesis {
                    "chain ok (from genesis)"
                } else {
                    "chain ok"
                }
            } else {
                chain_ok = false;
                "chain BROKEN"
            };
            println!(
                "stream {}/{}: {} commitments{range}, {chain}, {}/{} sampled proofs verified",
                s.tenant, s.store, s.commitments, s.proofs_verified, s.proofs_sampled
            );
            for (a, b) in &s.committed {
                println!("  committed [{a}, {b}] (--commit)");
            }
            for p in s.chain_problems.iter().chain(&s.proof_failures).take(SHOWN) {
                println!("  FAILED: {p}");
            }
            proofs += s.proofs_sampled;
            verified += s.proofs_verified;
            if let Some(m) = &s.membership {
                println!(
                    "  receipts: {}/{} acknowledged events proven in the log exactly once, {} commitments rebuilt, {} proof requests, {} other events in the stream",
                    m.proven, m.acknowledged, m.commitments_checked, m.proof_requests, m.other_events
                );
                for f in m.findings.iter().take(SHOWN) {
                    println!("  {}", describe(f));
                }
                if m.findings.len() > SHOWN {
                    println!("  … {} more (--json lists all)", m.findings.len() - SHOWN);
                }
                acknowledged += m.acknowledged;
                proven += m.proven;
                findings.extend(&m.findings);
            }
        }
        let kinds = count_kinds(&findings.into_iter().cloned().collect::<Vec<_>>());
        let k = |name: &str| kinds.get(name).copied().unwrap_or(0);
        println!(
            "audit: {} streams, chain {}, {verified}/{proofs} proofs verified, {proven}/{acknowledged} acknowledged events proven once, missing={} duplicated={} foreign={} uncommitted={} bad_receipt={} unsigned={} server={}, result={}",
            self.streams.len(),
            if chain_ok { "ok" } else { "BROKEN" },
            k("missing"),
            k("duplicated"),
            k("foreign"),
            k("uncommitted"),
            k("bad_receipt"),
            k("unsigned"),
            k("server"),
            self.result
        );
    }
}

fn describe(f: &Finding) -> String {
    match f {
        Finding::Missing { event_id, seq, why } => {
            format!("MISSING event {event_id} (acknowledged at sequence {seq}): {why}")
        }
        Finding::Duplicated {
            event_id,
            seqs,
            why,
        } => format!("DUPLICATED event {event_id} at sequences {seqs:?}: {why}"),
        Finding::Foreign { seqs, count, why } => {
            format!("FOREIGN {count} events at sequences {seqs:?}…: {why}")
        }
        Finding::Uncommitted { event_id, seq } => format!(
            "UNCOMMITTED event {event_id} (sequence {seq}): no commitment covers it; run with --commit"
        ),
        Finding::BadReceipt { event_id, seq } => format!(
            "BAD RECEIPT event {event_id} (sequence {seq}): the receipt hash does not recompute"
        ),
        Finding::Unsigned { event_id, seq } => format!(
            "UNSIGNED event {event_id} (sequence {seq}): no signing hash and signature (replays need --corpus DIR)"
        ),
        Finding::Server { why } => format!("SERVER {why}"),
    }
}
