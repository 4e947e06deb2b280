//! Every acknowledged event in the committed log exactly once, checked one commitment at a time.
//!
//! The receipts give, per sequence number, the event the server acknowledged there and (from the
//! log or the corpus) its signing hash and signature, hence its Merkle leaf. For each commitment
//! the leaves are rebuilt and compared with the commitment's root without a request. Only where
//! they differ, or where the commitment also holds events no receipt names, are inclusion
//! proofs fetched: a proof reveals the server's hash of every node on its path and of every
//! sibling, so the search descends only into subtrees that differ (about one proof per wrong
//! leaf, plus a few per run of unnamed events). The real server has no read of VES events and
//! a proof costs tens of milliseconds there; this keeps the requests per commitment small.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use serde::Serialize;
use uuid::Uuid;
use ves_core::answer;
use ves_core::api::ProofResponse;
use ves_core::hash::{self, node_hash, Hash, PAD_LEAF};
use ves_core::merkle::{verify_inclusion, Anchor};
use ves_core::Commitment;

use super::receipts::Claim;

/// Where proofs come from (the sequencer; a fake in tests).
pub trait ProofSource {
    fn proof(&mut self, c: &Commitment, seq: u64) -> Result<ProofResponse>;
}

/// A problem with one event (or one position of the log), reported by id.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// Acknowledged, but its leaf is not at its sequence number.
    Missing {
        event_id: Uuid,
        seq: u64,
        why: String,
    },
    /// In the log (or acknowledged) more than once.
    Duplicated {
        event_id: Uuid,
        seqs: Vec<u64>,
        why: String,
    },
    /// The log holds events at positions inside this run's span that no receipt names.
    Foreign {
        seqs: Vec<u64>,
        count: u64,
        why: String,
    },
    /// Acknowledged, but no commitment covers its sequence number yet.
    Uncommitted { event_id: Uuid, seq: u64 },
    /// The receipt hash does not recompute from the event's signing hash.
    BadReceipt { event_id: Uuid, seq: u64 },
    /// Neither the receipts file nor the corpus gives the event's signing hash and signature.
    Unsigned { event_id: Uuid, seq: u64 },
    /// The server's answer cannot be used to locate the difference.
    Server { why: String },
}

/// What one stream's check found.
#[derive(Debug, Default, Serialize)]
pub struct StreamResult {
    pub tenant: Uuid,
    pub store: Uuid,
    pub acknowledged: u64,
    pub proven: u64,
    pub commitments_checked: u64,
    pub proof_requests: u64,
    /// Unnamed events outside this run's span (earlier runs, other writers): context only.
    pub other_events: u64,
    pub findings: Vec<Finding>,
}

const MAX_LISTED: usize = 20;

/// Checks `claims` (one stream) against `commitments` (sorted, chain already checked).
/// `identify` bounds the proofs fetched to name what sits at unnamed positions.
pub fn check_stream(
    tenant: Uuid,
    store: Uuid,
    claims: &[Claim],
    commitments: &[Commitment],
    source: &mut dyn ProofSource,
    identify: usize,
    mut progress: impl FnMut(u64),
) -> StreamResult {
    let mut out = StreamResult {
        tenant,
        store,
        ..Default::default()
    };
    // One claim per (event id, seq): a receipt logged twice is still one acknowledgement.
    let mut uniq: BTreeMap<(u64, Uuid), &Claim> = BTreeMap::new();
    for c in claims {
        uniq.entry((c.seq, c.event_id)).or_insert(c);
    }
    out.acknowledged = uniq.len() as u64;
    let mut by_seq: BTreeMap<u64, Vec<(&Claim, Option<Hash>)>> = BTreeMap::new();
    let mut by_id: HashMap<Uuid, Vec<u64>> = HashMap::new();
    for (&(seq, id), c) in &uniq {
        by_id.entry(id).or_default().push(seq);
        let leaf = match &c.signed {
            None => {
                out.findings.push(Finding::Unsigned { event_id: id, seq });
                None
            }
            Some((sh, _)) => {
                // The receipt part of the one pass rule (ves_core::answer), as `ves signer` applies it.
                if answer::receipt_hash_failure(&tenant, &store, &id, seq, sh, &c.receipt_hash)
                    .is_some()
                {
                    out.findings.push(Finding::BadReceipt { event_id: id, seq });
                }
                c.leaf(&tenant, &store)
            }
        };
        by_seq.entry(seq).or_default().push((c, leaf));
    }
    let mut ids: Vec<_> = by_id.iter().filter(|(_, s)| s.len() > 1).collect();
    ids.sort();
    for (id, seqs) in ids {
        out.findings.push(Finding::Duplicated {
            event_id: *id,
            seqs: seqs.clone(),
            why: "acknowledged at more than one sequence number".into(),
        });
    }
    let (Some(&lo), Some(&hi)) = (by_seq.keys().next(), by_seq.keys().next_back()) else {
        return out;
    };
    let mut covered_to = 0u64;
    let mut foreign: Vec<u64> = Vec::new();
    for c in commitments {
        covered_to = covered_to.max(c.sequence_end);
        let span_lo = c.sequence_start.max(lo);
        let span_hi = c.sequence_end.min(hi);
        if by_seq
            .range(c.sequence_start..=c.sequence_end)
            .next()
            .is_none()
        {
            out.other_events += c.leaf_count;
            continue;
        }
        out.commitments_checked += 1;
        let mut cc = CommitmentCheck::new(c, &by_seq, source, &mut out);
        cc.run();
        let unnamed = cc.unnamed;
        for seq in unnamed {
            if (span_lo..=span_hi).contains(&seq) {
                foreign.push(seq);
            } else {
                out.other_events += 1;
            }
        }
        progress(c.leaf_count);
    }
    for (&seq, list) in by_seq.range(covered_to.saturating_add(1)..) {
        for (c, _) in list {
            out.findings.push(Finding::Uncommitted {
                event_id: c.event_id,
                seq,
            });
        }
    }
    if !foreign.is_empty() {
        let why = identify_foreign(
            &foreign,
            identify,
            tenant,
            store,
            &uniq,
            commitments,
            source,
            &mut out,
        );
        out.findings.push(Finding::Foreign {
            count: foreign.len() as u64,
            seqs: foreign.iter().take(MAX_LISTED).copied().collect(),
            why,
        });
    }
    out
}

/// Names what sits at up to `limit` unnamed positions: a second copy of an acknowledged event
/// (a duplicate), or an event of another writer.
#[allow(clippy::too_many_arguments)]
fn identify_foreign(
    foreign: &[u64],
    limit: usize,
    tenant: Uuid,
    store: Uuid,
    uniq: &BTreeMap<(u64, Uuid), &Claim>,
    commitments: &[Commitment],
    source: &mut dyn ProofSource,
    out: &mut StreamResult,
) -> String {
    let mut duplicates = 0;
    for &seq in foreign.iter().take(limit) {
        let Some(c) = commitments
            .iter()
            .find(|c| (c.sequence_start..=c.sequence_end).contains(&seq))
        else {
            continue;
        };
        out.proof_requests += 1;
        let Ok(p) = source.proof(c, seq) else {
            continue;
        };
        for claim in uniq.values() {
            if let Some((sh, sig)) = &claim.signed {
                if hash::leaf_hash(&tenant, &store, seq, sh, sig) == p.leaf_hash {
                    duplicates += 1;
                    out.findings.push(Finding::Duplicated {
                        event_id: claim.event_id,
                        seqs: vec![claim.seq, seq],
                        why: format!(
                            "acknowledged at {} and in the log again at {seq}",
                            claim.seq
                        ),
                    });
                }
            }
        }
    }
    format!(
        "no receipt names these positions inside the run's span ({} checked for copies of acknowledged events, {duplicates} found): another writer, or a receipts file is missing (pass every process's file)",
        foreign.len().min(limit)
    )
}

/// The claims at one sequence number, each with its leaf when known.
type ClaimList<'a> = &'a [(&'a Claim, Option<Hash>)];

/// The search inside one commitment.
struct CommitmentCheck<'a, 'b> {
    c: &'a Commitment,
    source: &'b mut dyn ProofSource,
    out: &'b mut StreamResult,
    /// Claims per leaf index (empty: unnamed).
    claims: Vec<&'a [(&'a Claim, Option<Hash>)]>,
    /// Our node hashes, level by level; `None` where a leaf below is unknown.
    ours: Vec<Vec<Option<Hash>>>,
    /// Whether any leaf below a node is named by a receipt.
    named: Vec<Vec<bool>>,
    /// The server's node hashes learnt from proofs.
    server: HashMap<(usize, u64), Hash>,
    unnamed: Vec<u64>,
    broken: bool,
}

impl<'a, 'b> CommitmentCheck<'a, 'b> {
    fn new(
        c: &'a Commitment,
        by_seq: &'a BTreeMap<u64, Vec<(&'a Claim, Option<Hash>)>>,
        source: &'b mut dyn ProofSource,
        out: &'b mut StreamResult,
    ) -> Self {
        let n = c.leaf_count as usize;
        let padded = n.max(1).next_power_of_two();
        let mut claims: Vec<&[(&Claim, Option<Hash>)]> = vec![&[]; n];
        let mut leaves: Vec<Option<Hash>> = vec![Some(PAD_LEAF); padded];
        let mut named = vec![false; padded];
        let mut unnamed = Vec::new();
        for i in 0..n {
            let seq = c.sequence_start + i as u64;
            match by_seq.get(&seq) {
                Some(list) => {
                    claims[i] = list;
                    leaves[i] = list[0].1.or(Some([0u8; 32]));
                    named[i] = true;
                }
                None => {
                    leaves[i] = None;
                    unnamed.push(seq);
                }
            }
        }
        let mut ours = vec![leaves];
        let mut named_levels = vec![named];
        while ours[ours.len() - 1].len() > 1 {
            let prev = &ours[ours.len() - 1];
            let next = prev
                .chunks_exact(2)
                .map(|p| match (p[0], p[1]) {
                    (Some(l), Some(r)) => Some(node_hash(&l, &r)),
                    _ => None,
                })
                .collect();
            let prev_named = &named_levels[named_levels.len() - 1];
            let next_named = prev_named.chunks_exact(2).map(|p| p[0] || p[1]).collect();
            ours.push(next);
            named_levels.push(next_named);
        }
        let depth = ours.len() - 1;
        let mut server = HashMap::new();
        server.insert((depth, 0u64), c.merkle_root);
        CommitmentCheck {
            c,
            source,
            out,
            claims,
            ours,
            named: named_levels,
            server,
            unnamed,
            broken: false,
        }
    }

    fn run(&mut self) {
        let depth = self.ours.len() - 1;
        self.visit(depth, 0);
        // Positions claimed more than once: at most one claimant's leaf can be there.
        let contested: Vec<(usize, ClaimList<'_>)> = self
            .claims
            .iter()
            .enumerate()
            .filter(|(_, list)| list.len() > 1)
            .map(|(i, list)| (i, *list))
            .collect();
        for (i, list) in contested {
            if !self.broken {
                let seq = self.c.sequence_start + i as u64;
                // Learnt from a proof, or (when a subtree above matched) the first claimant's.
                let found = self.server.get(&(0, i as u64)).copied().or(self.ours[0][i]);
                self.judge_leaf(seq, list, found, true);
            }
        }
    }

    /// Checks the subtree at (level, index), whose server hash is known.
    fn visit(&mut self, level: usize, index: u64) {
        if self.broken || !self.named[level][index as usize] {
            return;
        }
        let Some(theirs) = self.server.get(&(level, index)).copied() else {
            return;
        };
        if self.ours[level][index as usize] == Some(theirs) {
            self.prove_below(level, index);
            return;
        }
        if level == 0 {
            let seq = self.c.sequence_start + index;
            let list = self.claims[index as usize];
            if list.len() == 1 {
                self.judge_leaf(seq, list, Some(theirs), false);
            } // contested positions are judged in `run`
            return;
        }
        let (l, r) = (2 * index, 2 * index + 1);
        if !self.server.contains_key(&(level - 1, l)) || !self.server.contains_key(&(level - 1, r))
        {
            self.learn(level, index);
        }
        self.visit(level - 1, l);
        self.visit(level - 1, r);
    }

    /// Counts the named leaves under a matching node as proven (a contested position's first
    /// claimant included; the others are judged in `run`).
    fn prove_below(&mut self, level: usize, index: u64) {
        let first = index << level;
        let last = ((index + 1) << level).min(self.c.leaf_count);
        for i in first..last {
            let list = self.claims[i as usize];
            if !list.is_empty() && list[0].1.is_some() {
                self.out.proven += 1;
            }
        }
    }

    /// Fetches a proof for a leaf under (level, index) and records every node hash it reveals.
    fn learn(&mut self, level: usize, index: u64) {
        let first = index << level;
        let last = ((index + 1) << level).min(self.c.leaf_count);
        // A named leaf if there is one: its proof also shows the leaf itself.
        let leaf = (first..last)
            .find(|&i| !self.claims[i as usize].is_empty())
            .unwrap_or(first);
        let seq = self.c.sequence_start + leaf;
        self.out.proof_requests += 1;
        let p = match self.source.proof(self.c, seq) {
            Ok(p) => p,
            Err(e) => return self.give_up(format!("proof of sequence {seq}: {e:#}")),
        };
        let head = match self.c.tree_head() {
            Ok(h) => h,
            Err(e) => return self.give_up(e.to_string()),
        };
        if let Err(e) = verify_inclusion(&p.proof, &p.leaf_hash, Anchor::Tree(&head)) {
            return self.give_up(format!("the proof of sequence {seq} does not verify: {e}"));
        }
        let mut node = p.leaf_hash;
        let mut i = leaf;
        for (k, sibling) in p.proof.proof_path.iter().enumerate() {
            self.server.insert((k, i), node);
            self.server.insert((k, i ^ 1), *sibling);
            node = if i & 1 == 0 {
                node_hash(&node, sibling)
            } else {
                node_hash(sibling, &node)
            };
            i >>= 1;
        }
    }

    fn give_up(&mut self, why: String) {
        self.broken = true;
        self.out.findings.push(Finding::Server {
            why: format!(
                "commitment {} [{}..={}]: cannot locate the events that differ: {why}",
                self.c.batch_id, self.c.sequence_start, self.c.sequence_end
            ),
        });
    }

    /// The server's leaf at `seq` is `theirs` (None: not learnt). Claimants whose leaf it is are
    /// in the log; the others are missing. With `matched_already`, the first claimant was
    /// counted as proven by a matching subtree.
    fn judge_leaf(
        &mut self,
        seq: u64,
        list: &[(&Claim, Option<Hash>)],
        theirs: Option<Hash>,
        matched_already: bool,
    ) {
        for (k, (claim, leaf)) in list.iter().enumerate() {
            let Some(leaf) = leaf else {
                continue; // unsigned: reported already
            };
            if theirs == Some(*leaf) {
                if !(matched_already && k == 0) {
                    self.out.proven += 1;
                }
                continue;
            }
            let other = list
                .iter()
                .find(|(_, l)| l.is_some() && *l == theirs)
                .map(|(c, _)| format!("event {}", c.event_id))
                .unwrap_or_else(|| "an event no receipt names".into());
            self.out.findings.push(Finding::Missing {
                event_id: claim.event_id,
                seq,
                why: format!(
                    "sequence {seq} of commitment {} holds {other}",
                    self.c.batch_id
                ),
            });
        }
    }
}

/// A one-line count of findings per kind, for the summary.
pub fn count_kinds(findings: &[Finding]) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for f in findings {
        let k = match f {
            Finding::Missing { .. } => "missing",
            Finding::Duplicated { .. } => "duplicated",
            Finding::Foreign { .. } => "foreign",
            Finding::Uncommitted { .. } => "uncommitted",
            Finding::BadReceipt { .. } => "bad_receipt",
            Finding::Unsigned { .. } => "unsigned",
            Finding::Server { .. } => "server",
        };
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use ves_core::commitment::compute;
    use ves_core::MerkleTree;

    const T: Uuid = Uuid::from_u128(1);
    const S: Uuid = Uuid::from_u128(2);

    /// An event of the log: (id, signing hash, signature).
    fn ev(n: u128) -> (Uuid, Hash, [u8; 64]) {
        (
            Uuid::from_u128(1000 + n),
            [n as u8; 32],
            [n as u8 ^ 0x55; 64],
        )
    }

    fn claim(n: u128, seq: u64) -> Claim {
        let (id, sh, sig) = ev(n);
        Claim {
            event_id: id,
            seq,
            receipt_hash: hash::receipt_hash(&T, &S, &id, seq, &sh),
            signed: Some((sh, sig)),
        }
    }

    /// The server: `log[i]` is the event at sequence i + 1; commitments of `sizes` leaves.
    struct Fake {
        log: Vec<u128>,
        commitments: Vec<Commitment>,
        requests: u64,
    }

    impl Fake {
        fn new(log: Vec<u128>, sizes: &[usize]) -> Self {
            let mut commitments = Vec::new();
            let (mut start, mut prev) = (1u64, [0u8; 32]);
            for &n in sizes {
                let leaves = Self::leaves(&log, start, n);
                let c = compute(&T, &S, start, leaves, prev).unwrap();
                commitments.push(Commitment {
                    batch_id: Uuid::from_u128(start as u128),
                    tenant_id: T,
                    store_id: S,
                    ves_version: 1,
                    tree_depth: c.tree.depth(),
                    leaf_count: c.tree.leaf_count(),
                    padded_leaf_count: c.tree.padded_leaf_count(),
                    merkle_root: c.tree.root(),
                    prev_state_root: prev,
                    new_state_root: c.new_state_root,
                    sequence_start: start,
                    sequence_end: c.sequence_end,
                    committed_at: String::new(),
                });
                prev = c.new_state_root;
                start += n as u64;
            }
            Fake {
                log,
                commitments,
                requests: 0,
            }
        }

        fn leaves(log: &[u128], start: u64, n: usize) -> Vec<Hash> {
            (0..n as u64)
                .map(|i| {
                    let seq = start + i;
                    let (_, sh, sig) = ev(log[(seq - 1) as usize]);
                    hash::leaf_hash(&T, &S, seq, &sh, &sig)
                })
                .collect()
        }
    }

    impl ProofSource for Fake {
        fn proof(&mut self, c: &Commitment, seq: u64) -> Result<ProofResponse> {
            self.requests += 1;
            let leaves = Self::leaves(&self.log, c.sequence_start, c.leaf_count as usize);
            let tree = MerkleTree::new(leaves.clone());
            let i = seq - c.sequence_start;
            Ok(ProofResponse {
                sequence_number: seq,
                batch_id: c.batch_id,
                merkle_root: tree.root(),
                leaf_hash: leaves[i as usize],
                proof: tree.proof(i).unwrap(),
            })
        }
    }

    fn check(fake: &mut Fake, claims: &[Claim]) -> StreamResult {
        let commitments = fake.commitments.clone();
        check_stream(T, S, claims, &commitments, fake, 20, |_| {})
    }

    #[test]
    fn a_complete_log_is_proven_without_a_proof_request() {
        let mut fake = Fake::new((1..=40).collect(), &[7, 33]);
        let claims: Vec<Claim> = (1..=40).map(|n| claim(n, n as u64)).collect();
        let r = check(&mut fake, &claims);
        assert_eq!((r.proven, r.acknowledged), (40, 40));
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(fake.requests, 0);
        assert_eq!(r.commitments_checked, 2);
    }

    #[test]
    fn a_lost_event_is_named_with_few_proofs() {
        // Event 10 was acknowledged at 10 but lost; event 11 got 10 too, and so on.
        let log: Vec<u128> = (1..=9).chain(11..=70).collect();
        let mut claims: Vec<Claim> = (1..=9).map(|n| claim(n, n as u64)).collect();
        claims.push(claim(10, 10));
        claims.extend((11..=70).map(|n| claim(n, n as u64 - 1)));
        let mut fake = Fake::new(log, &[69]);
        let r = check(&mut fake, &claims);
        assert_eq!(
            r.findings,
            vec![Finding::Missing {
                event_id: ev(10).0,
                seq: 10,
                why: format!(
                    "sequence 10 of commitment {} holds event {}",
                    Uuid::from_u128(1),
                    ev(11).0
                ),
            }]
        );
        assert_eq!(r.proven, 69);
        assert!(
            fake.requests <= 8,
            "{} proofs for one contested position",
            fake.requests
        );
    }

    #[test]
    fn a_replaced_leaf_is_found_by_descending() {
        let mut log: Vec<u128> = (1..=64).collect();
        log[40] = 999; // sequence 41 holds an event nobody acknowledged
        let claims: Vec<Claim> = (1..=64).map(|n| claim(n, n as u64)).collect();
        let mut fake = Fake::new(log, &[64]);
        let r = check(&mut fake, &claims);
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        assert!(
            matches!(&r.findings[0], Finding::Missing { event_id, seq: 41, .. } if *event_id == ev(41).0)
        );
        assert_eq!(r.proven, 63);
        assert!(
            fake.requests <= 6,
            "{} proofs for one wrong leaf of 64",
            fake.requests
        );
    }

    #[test]
    fn a_copy_at_an_unnamed_position_is_a_duplicate() {
        // The log holds event 5 again at sequence 9; no receipt names 9.
        let log: Vec<u128> = vec![1, 2, 3, 4, 5, 6, 7, 8, 5, 10, 11, 12];
        let claims: Vec<Claim> = (1..=12)
            .filter(|&n| n != 9)
            .map(|n| claim(n, n as u64))
            .collect();
        let mut fake = Fake::new(log, &[12]);
        let r = check(&mut fake, &claims);
        assert_eq!(r.proven, 11);
        let kinds = count_kinds(&r.findings);
        assert_eq!(kinds.get("duplicated"), Some(&1), "{:?}", r.findings);
        assert_eq!(kinds.get("foreign"), Some(&1), "{:?}", r.findings);
        assert!(r.findings.iter().any(|f| matches!(f, Finding::Duplicated { event_id, seqs, .. } if *event_id == ev(5).0 && seqs == &vec![5, 9])));
    }

    #[test]
    fn other_runs_events_are_context_and_uncommitted_claims_fail() {
        // Sequences 1..=50 belong to an earlier run; this run has 51..=60 and 61 uncommitted.
        let log: Vec<u128> = (1..=61).collect();
        let claims: Vec<Claim> = (51..=61).map(|n| claim(n, n as u64)).collect();
        let mut fake = Fake::new(log, &[30, 30]);
        let r = check(&mut fake, &claims);
        assert_eq!(r.proven, 10);
        assert_eq!(r.other_events, 30 + 20);
        assert_eq!(
            r.findings,
            vec![Finding::Uncommitted {
                event_id: ev(61).0,
                seq: 61
            }]
        );
        assert!(fake.requests <= 4, "{} proofs", fake.requests);
    }

    #[test]
    fn bad_receipts_and_unsigned_claims_are_named() {
        let mut fake = Fake::new((1..=4).collect(), &[4]);
        let mut claims: Vec<Claim> = (1..=4).map(|n| claim(n, n as u64)).collect();
        claims[1].receipt_hash[0] ^= 1;
        claims[2].signed = None;
        let r = check(&mut fake, &claims);
        let kinds = count_kinds(&r.findings);
        assert_eq!(kinds.get("bad_receipt"), Some(&1));
        assert_eq!(kinds.get("unsigned"), Some(&1));
        assert_eq!(r.proven, 3);
    }
}
