//! One stream against the sequencer: commit what is uncommitted (`--commit`), check the chain,
//! verify sampled (or all) inclusion proofs, then the membership check of the receipts.

use std::collections::BTreeSet;

use anyhow::{anyhow, Result};
use indicatif::ProgressBar;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use ves_core::api::{CommitRequest, ProofResponse};
use ves_core::{check_chain, ChainStart, Commitment};

use super::membership::{self, ProofSource};
use super::receipts::Claim;
use super::report::StreamReport;
use super::AuditArgs;
use crate::cmd::verify_chain::{check_proof, fetch_commitments, fetch_proof};
use crate::http::Client;

/// The largest range committed at once (the kit's committer uses the same bound).
const MAX_COMMIT_RANGE: u64 = 10_000;

struct Sequencer<'a> {
    client: &'a Client,
    tenant: String,
    store: String,
}

impl ProofSource for Sequencer<'_> {
    fn proof(&mut self, c: &Commitment, seq: u64) -> Result<ProofResponse> {
        fetch_proof(self.client, c, seq, &self.tenant, &self.store)
    }
}

pub fn audit_stream(
    client: &Client,
    args: &AuditArgs,
    claims: &[Claim],
    sr: &mut StreamReport,
    bar: &ProgressBar,
) -> Result<()> {
    let (tenant, store) = (sr.tenant.to_string(), sr.store.to_string());
    let (mut commitments, problems) = fetch_commitments(client, &tenant, &store)?;
    sr.chain_problems.extend(problems);
    if args.commit {
        let last_end = commitments.last().map_or(0, |c| c.sequence_end);
        let max_seq = claims.iter().map(|c| c.seq).max().unwrap_or(0);
        commit_up_to(client, sr, &mut commitments, last_end, max_seq);
    }
    sr.commitments = commitments.len() as u64;
    if let (Some(f), Some(l)) = (commitments.first(), commitments.last()) {
        sr.sequence = Some((f.sequence_start, l.sequence_end));
        sr.from_genesis = f.sequence_start == 1;
        let start = if sr.from_genesis {
            ChainStart::Genesis
        } else {
            ChainStart::Anywhere
        };
        if let Err(e) = check_chain(&commitments, start) {
            sr.chain_problems.push(e.to_string());
        }
    }
    let proofs: u64 = commitments
        .iter()
        .map(|c| samples_of(c, args).len() as u64)
        .sum();
    let leaves: u64 = commitments.iter().map(|c| c.leaf_count).sum();
    bar.inc_length(proofs + if claims.is_empty() { 0 } else { leaves });
    bar.set_message(format!("store {store}: proofs"));
    let mut rng = ChaCha20Rng::seed_from_u64(args.seed);
    for c in &commitments {
        let mut seqs = samples_of(c, args);
        fill_random(&mut seqs, c, args, &mut rng);
        for seq in seqs {
            sr.proofs_sampled += 1;
            match check_proof(client, c, seq, &tenant, &store) {
                Ok(()) => sr.proofs_verified += 1,
                Err(e) => sr
                    .proof_failures
                    .push(format!("commitment {} seq {seq}: {e:#}", c.batch_id)),
            }
            bar.inc(1);
        }
    }
    if !claims.is_empty() {
        bar.set_message(format!("store {store}: receipts"));
        let mut source = Sequencer {
            client,
            tenant: tenant.clone(),
            store: store.clone(),
        };
        let result = membership::check_stream(
            sr.tenant,
            sr.store,
            claims,
            &commitments,
            &mut source,
            args.identify,
            |n| bar.inc(n),
        );
        sr.membership = Some(result);
    }
    Ok(())
}

/// Commits (last_end, max_seq] in ranges of at most MAX_COMMIT_RANGE; a refusal is a problem
/// of the stream (the events cannot be proven) and stops the committing.
fn commit_up_to(
    client: &Client,
    sr: &mut StreamReport,
    commitments: &mut Vec<Commitment>,
    mut last_end: u64,
    max_seq: u64,
) {
    while last_end < max_seq {
        let start = last_end + 1;
        let end = max_seq.min(last_end + MAX_COMMIT_RANGE);
        match commit(client, sr, start, end) {
            Ok(c) => {
                sr.committed.push((c.sequence_start, c.sequence_end));
                last_end = c.sequence_end.max(start);
                commitments.push(c);
            }
            Err(e) => {
                sr.chain_problems
                    .push(format!("--commit [{start}, {end}]: {e:#}"));
                return;
            }
        }
    }
}

fn commit(client: &Client, sr: &StreamReport, start: u64, end: u64) -> Result<Commitment> {
    let body = serde_json::to_string(&CommitRequest {
        tenant_id: sr.tenant,
        store_id: sr.store,
        sequence_start: start,
        sequence_end: end,
    })?;
    let answer = client.post_json("/api/v1/ves/commitments", &body)?;
    if answer.status != 200 && answer.status != 201 {
        return Err(anyhow!("HTTP {}: {}", answer.status, answer.excerpt()));
    }
    let c: Commitment = serde_json::from_str(&answer.body)
        .map_err(|e| anyhow!("not a commitment ({e}): {}", answer.excerpt()))?;
    if c.sequence_start != start || c.sequence_end != end {
        return Err(anyhow!(
            "asked for [{start}, {end}], got [{}, {}]",
            c.sequence_start,
            c.sequence_end
        ));
    }
    Ok(c)
}

/// The fixed part of a commitment's sample: every sequence with --all, else first and last.
fn samples_of(c: &Commitment, args: &AuditArgs) -> BTreeSet<u64> {
    if args.all {
        return (c.sequence_start..=c.sequence_end).collect();
    }
    let want = u64::from(args.samples).min(c.leaf_count);
    let mut seqs = BTreeSet::new();
    for s in [c.sequence_start, c.sequence_end] {
        if (seqs.len() as u64) < want {
            seqs.insert(s);
        }
    }
    // Room for the random ones, counted for the progress bar.
    let mut k = 0;
    while (seqs.len() as u64) < want && k < want {
        seqs.insert(c.sequence_start + 1 + k);
        k += 1;
    }
    seqs
}

/// Replaces the placeholder middle samples by random sequence numbers of the commitment.
fn fill_random(seqs: &mut BTreeSet<u64>, c: &Commitment, args: &AuditArgs, rng: &mut ChaCha20Rng) {
    if args.all {
        return;
    }
    let want = seqs.len();
    seqs.retain(|&s| s == c.sequence_start || s == c.sequence_end);
    // Bounded: a server's counts are not trusted to leave enough distinct sequences.
    for _ in 0..100 {
        if seqs.len() >= want {
            break;
        }
        let offset = rng.next_u64() % c.leaf_count.max(1);
        seqs.insert(c.sequence_start.saturating_add(offset));
    }
}
