//! `ves verify-chain`: fetches a stream's commitments (`GET /api/v1/ves/commitments`), checks
//! the chain with `ves_core::check_chain` (contiguous ranges, each prev_state_root equal to the
//! previous new_state_root, every state root recomputed, consistent counts), and verifies a
//! sample of inclusion proofs of each commitment against it.

use std::collections::BTreeSet;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use uuid::Uuid;
use ves_core::api::ProofResponse;
use ves_core::merkle::{verify_inclusion, Anchor};
use ves_core::{check_chain, hexfmt, ChainStart, Commitment};

use crate::http::{ApiKey, Client};
use crate::Outcome;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Args)]
pub struct VerifyChainArgs {
    /// Sequencer base URL.
    #[arg(long, default_value = "http://localhost:8080")]
    url: String,
    #[arg(long, default_value = NIL)]
    tenant_id: Uuid,
    #[arg(long, default_value = NIL)]
    store_id: Uuid,
    /// Name of the environment variable that holds an API key with read access to the stream.
    #[arg(long, value_name = "NAME", default_value = "API_KEY")]
    api_key_env: String,
    /// Inclusion proofs fetched and verified per commitment: the first and last sequence, then random ones.
    #[arg(long, default_value_t = 3)]
    samples: u32,
    /// Seed of the random samples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(serde::Deserialize)]
struct CommitmentList {
    commitments: Vec<Commitment>,
    count: Option<u64>,
}

fn short(h: &[u8; 32]) -> String {
    hexfmt::encode(&h[..6])
}

pub fn run(args: VerifyChainArgs) -> Result<Outcome> {
    let client = Client::new(&args.url, ApiKey::from_env(&args.api_key_env)?)?;
    let (tenant, store) = (args.tenant_id.to_string(), args.store_id.to_string());
    let (commitments, mut problems) = fetch_commitments(&client, &tenant, &store)?;
    println!(
        "stream tenant {tenant} store {store}: {} commitments",
        commitments.len()
    );
    if commitments.is_empty() {
        println!("verify-chain: 0 commitments (nothing committed yet), result=PASS");
        return Ok(Outcome::Ok);
    }
    // The listing holds only unanchored commitments: a chain that does not start at sequence 1
    // is checked from where it starts.
    let start = if commitments[0].sequence_start == 1 {
        ChainStart::Genesis
    } else {
        ChainStart::Anywhere
    };
    let chain = check_chain(&commitments, start);
    if let Err(e) = &chain {
        problems.push(e.to_string());
    }
    let mut rng = ChaCha20Rng::seed_from_u64(args.seed);
    let (mut verified, mut sampled) = (0u64, 0u64);
    for (k, c) in commitments.iter().enumerate() {
        let mut seqs = BTreeSet::new();
        let want = u64::from(args.samples).min(c.leaf_count);
        for s in [c.sequence_start, c.sequence_end] {
            if (seqs.len() as u64) < want {
                seqs.insert(s);
            }
        }
        // Bounded: a server's counts are not trusted to leave enough distinct sequences.
        for _ in 0..100 {
            if seqs.len() as u64 >= want {
                break;
            }
            let offset = rng.next_u64() % c.leaf_count.max(1);
            seqs.insert(c.sequence_start.saturating_add(offset));
        }
        let mut ok = 0;
        for &seq in &seqs {
            sampled += 1;
            match check_proof(&client, c, seq, &tenant, &store) {
                Ok(()) => ok += 1,
                Err(e) => problems.push(format!("commitment {} seq {seq}: {e:#}", c.batch_id)),
            }
        }
        verified += ok;
        println!(
            "  [{}] {}..={} leaves {} depth {} root {}… state {}…: {ok}/{} proofs verified",
            k + 1,
            c.sequence_start,
            c.sequence_end,
            c.leaf_count,
            c.tree_depth,
            short(&c.merkle_root),
            short(&c.new_state_root),
            seqs.len()
        );
    }
    for p in problems.iter().take(10) {
        println!("  FAILED: {p}");
    }
    let last = commitments.last().map_or(0, |c| c.sequence_end);
    let pass = problems.is_empty();
    println!(
        "verify-chain: {} commitments (sequence {}..={last}), chain {} ({}), {verified}/{sampled} sampled proofs verified, result={}",
        commitments.len(),
        commitments[0].sequence_start,
        if chain.is_ok() { "ok" } else { "BROKEN" },
        if start == ChainStart::Genesis { "from genesis" } else { "from its first listed commitment" },
        if pass { "PASS" } else { "FAIL" }
    );
    println!("  (leaf hashes are the server's; checking them against your own events needs your ledger, as the k6 library keeps)");
    Ok(if pass {
        Outcome::Ok
    } else {
        Outcome::CheckFailed
    })
}

/// A stream's commitments, sorted by sequence_start, and what is wrong with the listing itself.
pub(crate) fn fetch_commitments(
    client: &Client,
    tenant: &str,
    store: &str,
) -> Result<(Vec<Commitment>, Vec<String>)> {
    let answer = client.get(
        "/api/v1/ves/commitments",
        &[("tenant_id", tenant), ("store_id", store)],
    )?;
    if answer.status != 200 {
        bail!(
            "GET /api/v1/ves/commitments: expected HTTP 200, found {}: {}",
            answer.status,
            answer.excerpt()
        );
    }
    let list: CommitmentList = serde_json::from_str(&answer.body).map_err(|e| {
        anyhow!(
            "GET /api/v1/ves/commitments: not a commitment list ({e}): {}",
            answer.excerpt()
        )
    })?;
    let mut problems: Vec<String> = Vec::new();
    if let Some(n) = list.count {
        if n != list.commitments.len() as u64 {
            problems.push(format!(
                "the list says count {n} but holds {} commitments",
                list.commitments.len()
            ));
        }
    }
    let mut commitments = list.commitments;
    commitments.sort_by_key(|c| c.sequence_start);
    Ok((commitments, problems))
}

/// Fetches the proof of `seq` in commitment `c` and verifies it against the commitment.
pub(crate) fn check_proof(
    client: &Client,
    c: &Commitment,
    seq: u64,
    tenant: &str,
    store: &str,
) -> Result<()> {
    let p = fetch_proof(client, c, seq, tenant, store)?;
    let head = c.tree_head().map_err(|e| anyhow!("{e}"))?;
    verify_inclusion(&p.proof, &p.leaf_hash, Anchor::Tree(&head)).map_err(|e| anyhow!("{e}"))
}

/// The proof of `seq` in commitment `c`, checked to be about that sequence, batch and root
/// (not yet verified: the path may still be wrong).
pub(crate) fn fetch_proof(
    client: &Client,
    c: &Commitment,
    seq: u64,
    tenant: &str,
    store: &str,
) -> Result<ProofResponse> {
    let batch = c.batch_id.to_string();
    let path = format!("/api/v1/ves/proofs/{seq}");
    let answer = client.get(
        &path,
        &[
            ("tenant_id", tenant),
            ("store_id", store),
            ("batch_id", &batch),
        ],
    )?;
    if answer.status != 200 {
        bail!(
            "GET {path}: expected HTTP 200, found {}: {}",
            answer.status,
            answer.excerpt()
        );
    }
    let p: ProofResponse = serde_json::from_str(&answer.body)
        .map_err(|e| anyhow!("GET {path}: not a proof ({e}): {}", answer.excerpt()))?;
    if p.sequence_number != seq || p.batch_id != c.batch_id {
        bail!(
            "the proof is for sequence {} of batch {}, expected {seq} of {}",
            p.sequence_number,
            p.batch_id,
            c.batch_id
        );
    }
    if p.merkle_root != c.merkle_root {
        bail!(
            "the proof's merkle_root {} differs from the commitment's {}",
            hexfmt::encode(&p.merkle_root),
            hexfmt::encode(&c.merkle_root)
        );
    }
    let index = seq.saturating_sub(c.sequence_start);
    if p.proof.leaf_index != index {
        bail!(
            "leaf_index {} should be sequence - sequence_start = {index}",
            p.proof.leaf_index
        );
    }
    Ok(p)
}
