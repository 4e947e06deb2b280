//! `ves bench`: native single-thread throughput of (a) signed events, batch by batch, each
//! event built, canonicalized, hashed twice, signed with Ed25519 and serialized into the ingest
//! body, and (b) depth-16 inclusion-proof verifications against a commitment head. The last
//! line is machine-readable: `ves-bench: events_per_s=N proofs_per_s=N`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use uuid::Uuid;
use ves_core::generate::{EventGenerator, GeneratorConfig, PayloadShape};
use ves_core::hash::{self, Hash};
use ves_core::merkle::{verify_inclusion, Anchor, InclusionProof, MerkleTree, TreeHead};
use ves_core::{jcs, sign, IngestRequest};

use crate::Outcome;

#[derive(Args)]
pub struct BenchArgs {
    /// Seconds for each of the two measurements (fractions allowed).
    #[arg(long, default_value_t = 5.0, value_parser = parse_seconds)]
    seconds: f64,
    /// Events per ingest body in the signed-events measurement.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    batch_size: u32,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= 3600.0 => Ok(x),
        _ => Err(format!(
            "expected a number of seconds in (0, 3600], found {s:?}"
        )),
    }
}

const CREATED_AT: &str = "2025-01-01T00:00:00.000Z";
const PROOF_LEAVES: usize = 1 << 16;

pub fn run(args: BenchArgs) -> Result<Outcome> {
    if cfg!(debug_assertions) {
        eprintln!("ves: warning: this is a debug build; measure with `cargo run --release -p ves-cli -- bench`");
    }
    let per = Duration::from_secs_f64(args.seconds);
    println!(
        "ves bench: 1 thread, {:.1} s per measurement, batch {}, payload shape order",
        args.seconds, args.batch_size
    );
    let ev = bench_events(per, args.batch_size as usize)?;
    let stages = bench_stages(2000)?;
    let pr = bench_proofs(per)?;

    println!();
    println!("{:<44} {:>14}  detail", "measurement", "rate");
    println!(
        "{:<44} {:>12}/s  {:.1} us/event, {} B/event of body, {} events in {:.2} s",
        format!("signed events (batch {}, incl. JSON body)", args.batch_size),
        group(ev.rate as u64),
        1e6 / ev.rate,
        ev.bytes / ev.count.max(1),
        ev.count,
        ev.secs
    );
    let total: f64 = stages.iter().map(|(_, us)| us).sum();
    for (name, us) in &stages {
        println!(
            "  {:<42} {:>12.2}us  {:.0}% of the stages",
            name,
            us,
            100.0 * us / total
        );
    }
    println!(
        "{:<44} {:>12}/s  {:.2} us/proof, {} proofs in {:.2} s; tree of {} leaves built in {:.0} ms",
        "inclusion proofs verified (depth 16)",
        group(pr.rate as u64),
        1e6 / pr.rate,
        pr.count,
        pr.secs,
        group(PROOF_LEAVES as u64),
        pr.build_ms
    );
    println!(
        "ves-bench: events_per_s={} proofs_per_s={}",
        ev.rate as u64, pr.rate as u64
    );
    Ok(Outcome::Ok)
}

struct EventsResult {
    rate: f64,
    count: u64,
    bytes: u64,
    secs: f64,
}

fn generator() -> EventGenerator {
    let key = sign::signing_key_from_seed(&[7u8; 32]);
    EventGenerator::new(
        1,
        key,
        GeneratorConfig {
            shape: PayloadShape::Order,
            ..Default::default()
        },
    )
}

fn bench_events(per: Duration, batch: usize) -> Result<EventsResult> {
    let mut gen = generator();
    let (mut count, mut bytes) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < per {
        let events = gen
            .batch(0, batch, |_| CREATED_AT.to_string())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let body = serde_json::to_vec(&IngestRequest {
            agent_id: Uuid::nil(),
            events,
        })?;
        bytes += body.len() as u64;
        count += batch as u64;
        black_box(body);
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(EventsResult {
        rate: count as f64 / secs,
        count,
        bytes,
        secs,
    })
}

/// Microseconds per event of each stage, each timed alone over `n` events.
fn bench_stages(n: usize) -> Result<Vec<(&'static str, f64)>> {
    let mut gen = generator();
    let key = sign::signing_key_from_seed(&[7u8; 32]);
    let us = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / n as f64;

    let t = Instant::now();
    let unsigned: Vec<_> = (0..n)
        .map(|_| gen.next_unsigned(0, CREATED_AT.to_string()))
        .collect();
    let build = us(t);

    let t = Instant::now();
    let canon: Vec<String> = unsigned
        .iter()
        .map(|u| jcs::canonicalize(&u.payload))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let jcs_us = us(t);

    let t = Instant::now();
    let plain: Vec<Hash> = canon
        .iter()
        .map(|c| hash::payload_plain_hash_from_jcs(c))
        .collect();
    let plain_us = us(t);

    let envs = unsigned
        .into_iter()
        .map(|u| u.sign(&key))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    black_box(&plain);
    let t = Instant::now();
    let hashes: Vec<Hash> = envs.iter().map(|e| e.signing_hash()).collect();
    let sighash_us = us(t);

    let t = Instant::now();
    let sigs: Vec<[u8; 64]> = hashes.iter().map(|h| sign::sign_hash(&key, h)).collect();
    let sign_us = us(t);
    black_box(sigs);

    let t = Instant::now();
    for chunk in envs.chunks(100) {
        black_box(serde_json::to_vec(&IngestRequest {
            agent_id: Uuid::nil(),
            events: chunk.to_vec(),
        })?);
    }
    let json_us = us(t);

    Ok(vec![
        ("stage: build payload and ids", build),
        ("stage: JCS (RFC 8785)", jcs_us),
        ("stage: payload hash", plain_us),
        ("stage: signing preimage and hash", sighash_us),
        ("stage: Ed25519 signature", sign_us),
        ("stage: JSON body (incl. event copies)", json_us),
    ])
}

struct ProofsResult {
    rate: f64,
    count: u64,
    secs: f64,
    build_ms: f64,
}

fn bench_proofs(per: Duration) -> Result<ProofsResult> {
    let mut rng = ChaCha20Rng::seed_from_u64(16);
    let leaves: Vec<Hash> = (0..PROOF_LEAVES)
        .map(|_| {
            let mut l = [0u8; 32];
            rng.fill_bytes(&mut l);
            l
        })
        .collect();
    let t = Instant::now();
    let tree = MerkleTree::new(leaves.clone());
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let head = TreeHead::new(
        tree.root(),
        tree.leaf_count(),
        Some(tree.padded_leaf_count()),
        Some(tree.depth()),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if head.tree_depth != 16 {
        bail!(
            "internal error: expected depth 16, found {}",
            head.tree_depth
        );
    }
    let pool: Vec<(Hash, InclusionProof)> = (0..4096)
        .filter_map(|_| {
            let i = rng.next_u64() % PROOF_LEAVES as u64;
            tree.proof(i).map(|p| (leaves[i as usize], p))
        })
        .collect();
    let (mut count, mut failed) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < per {
        for (leaf, proof) in &pool {
            match verify_inclusion(black_box(proof), black_box(leaf), Anchor::Tree(&head)) {
                Ok(()) => count += 1,
                Err(_) => failed += 1,
            }
        }
    }
    if failed > 0 {
        bail!("{failed} valid proofs were rejected: the verifier is broken");
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(ProofsResult {
        rate: count as f64 / secs,
        count,
        secs,
        build_ms,
    })
}

/// 12345678 -> "12,345,678".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
