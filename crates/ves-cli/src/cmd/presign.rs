//! `ves presign`: a corpus of signed ingest bodies for k6 replay mode (docs/REPLAY.md). One
//! shard per VU, `DIR/vu-0001.ndjson`, one complete body per line, exactly as it is POSTed;
//! `DIR/manifest.json` (format `ves-presign/1`) says what the corpus holds. VU v writes to
//! stream (v-1) % streams. Events are the k6 library's seeded content (ves_core::content: body b
//! of VU v is iteration (v-1)*batches_per_vu + b) in the `--shape` of ves_core::shapes, the
//! vocabulary of k6's PAYLOAD. Bodies are spelled as ves_core::spelling says (`--spelling`:
//! the canonical spelling the k6 library writes, or a varied one from the same slot), so that a
//! corpus line is byte for byte what k6 sends for the same slot, key and created_at. Shards are
//! written in parallel and the same inputs always give the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use uuid::Uuid;
use ves_core::api::RegisterKeyRequest;
use ves_core::content::{order_events, ContentSource, OrderBase};
use ves_core::shapes::{batch_bytes_bound, shape_events, Shape, MAX_SHAPE_BYTES};
use ves_core::sign::{self, SigningKey};
use ves_core::spelling::{envelopes_body, Spelling, SPELLING_PURPOSE};
use ves_core::{hexfmt, limits, stream_store_id};

use super::progress::Progress;
use crate::secret;
use crate::Outcome;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Args)]
pub struct PresignArgs {
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of VUs, one shard each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    vus: u32,
    /// Ingest bodies (lines) per VU.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    batches_per_vu: u32,
    /// Events per body; the real server accepts at most 1000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    batch_size: u32,
    /// Streams (store ids): VU v writes to stream (v-1) % streams; stream 0 is --store-id.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    streams: u32,
    /// Tenant of every event.
    #[arg(long, default_value = NIL)]
    tenant_id: Uuid,
    /// Store id of stream 0; the others are derived from it (ves_core::stream_store_id).
    #[arg(long, default_value = NIL)]
    store_id: Uuid,
    /// Agent (agentId and source_agent_id of every event).
    #[arg(long, default_value = NIL)]
    agent_id: Uuid,
    /// Key id to register the public key under (default: derived from --seed, in 1..2^31).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    agent_key_id: Option<u32>,
    /// Seed of the corpus content (default: random, printed and kept in the manifest).
    #[arg(long)]
    seed: Option<u64>,
    /// The agent's 32-byte seed (64 hex digits). Default: a new one, written to DIR/agent.seed (mode 0600).
    #[arg(long, value_name = "FILE")]
    agent_seed_file: Option<PathBuf>,
    /// Payload shape, the vocabulary of k6's PAYLOAD: order, small, medium, large, unicode,
    /// floats, nested or mixed (docs/REPLAY.md). Body b of VU v holds what a k6 scenario named
    /// --scenario sends with SEED=--seed and PAYLOAD=--shape in iteration (v-1)*batches_per_vu + b.
    #[arg(long, default_value = "order")]
    shape: Shape,
    /// The k6 scenario name whose iterations `order` bodies reproduce (k6's exec.scenario.name).
    #[arg(long, default_value = "default")]
    scenario: String,
    /// Pad each payload to about this many bytes of JCS (0: no padding; k6's PAYLOAD_BYTES).
    #[arg(long, default_value_t = 0)]
    payload_bytes: usize,
    /// created_at of every event, RFC 3339, signed verbatim (default: now, as JS toISOString()).
    #[arg(long, value_name = "RFC3339")]
    created_at: Option<String>,
    /// How bodies are spelled (ves_core::spelling, k6's SPELLING): `canonical`, what the k6
    /// library writes (ASCII, non-ASCII characters as \u escapes), or `varied`: the same events
    /// in another legal spelling, as k6 sends them with SPELLING=varied.
    #[arg(long, default_value = "canonical")]
    spelling: Spelling,
    /// Gone: bodies are always ASCII (the canonical spelling); kept to say so.
    #[arg(long, hide = true)]
    utf8: bool,
    /// Replace an existing corpus in DIR.
    #[arg(long)]
    force: bool,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    jobs: Option<u32>,
}

#[derive(Serialize)]
struct Manifest {
    format: &'static str,
    generator: String,
    seed: u64,
    public_key_hex: String,
    tenant_id: Uuid,
    agent_id: Uuid,
    agent_key_id: u32,
    store_id: Uuid,
    streams: u32,
    store_ids: Vec<Uuid>,
    vus: u32,
    batches_per_vu: u32,
    batch_size: u32,
    events_per_vu: u64,
    total_events: u64,
    total_bytes: u64,
    shape: String,
    payload_bytes: usize,
    created_at: String,
    /// How the content was derived.
    content: String,
    body_encoding: &'static str,
    /// `canonical` or `varied` (ves_core::spelling).
    spelling: &'static str,
    shard_pattern: &'static str,
    hashes_pattern: &'static str,
    shards: Vec<Shard>,
    register_key_body: RegisterKeyRequest,
}

#[derive(Serialize, Clone)]
struct Shard {
    vu: u32,
    file: String,
    hashes_file: String,
    stream: u32,
    store_id: Uuid,
    batches: u32,
    events: u64,
    bytes: u64,
}

pub fn shard_name(vu: u32) -> String {
    format!("vu-{vu:04}.ndjson")
}

pub fn hashes_name(vu: u32) -> String {
    format!("vu-{vu:04}.hashes.ndjson")
}

/// An independent stream of the corpus seed: 0 for the key id, v for VU v.
fn derived_rng(seed: u64, stream: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// `new Date().toISOString()`: UTC, milliseconds, `Z`.
fn now_iso() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Refuses to mix a new corpus with an old one; with `force`, removes the old one's files.
fn prepare_dir(dir: &Path, force: bool, will_write_seed: bool) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut old = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_corpus = name == "manifest.json"
            || (name.starts_with("vu-") && name.ends_with(".ndjson"))
            || name == "manifest.json.tmp"
            || (will_write_seed && name == "agent.seed");
        if is_corpus {
            old.push(entry.path());
        }
    }
    if old.is_empty() {
        return Ok(());
    }
    if !force {
        bail!(
            "{} already holds a corpus ({} files such as {}); use --force to replace it, or another --out",
            dir.display(),
            old.len(),
            old[0].display()
        );
    }
    for p in old {
        std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
    }
    Ok(())
}

pub fn run(args: PresignArgs) -> Result<Outcome> {
    if args.utf8 {
        bail!("--utf8 is gone: every generator writes the one canonical spelling, ASCII with \\u escapes (docs/REPLAY.md, \"One spelling\"); the server parses the same values either way");
    }
    let created_at = args.created_at.clone().unwrap_or_else(now_iso);
    ves_core::time::check_rfc3339(&created_at).map_err(|e| anyhow!("--created-at: {e}"))?;
    if args.payload_bytes > MAX_SHAPE_BYTES {
        bail!(
            "--payload-bytes: expected at most {MAX_SHAPE_BYTES} (below the server's {} byte per-event payload limit), found {}",
            limits::MAX_PAYLOAD_BYTES,
            args.payload_bytes
        );
    }
    let estimate = batch_bytes_bound(args.shape, args.payload_bytes, args.batch_size as usize);
    if estimate > limits::MAX_BODY_BYTES {
        bail!(
            "--shape {} with --batch-size {} and --payload-bytes {} makes bodies of up to about {estimate} bytes, above the server's {} byte limit; lower --batch-size (or --payload-bytes)",
            args.shape.name(),
            args.batch_size,
            args.payload_bytes,
            limits::MAX_BODY_BYTES
        );
    }
    let agent_seed = match &args.agent_seed_file {
        Some(path) => secret::read_seed_file(path)?,
        None => secret::os_random_seed(),
    };
    prepare_dir(&args.out, args.force, args.agent_seed_file.is_none())?;
    if args.agent_seed_file.is_none() {
        let path = args.out.join("agent.seed");
        secret::write_seed_file(&path, &agent_seed, false)?;
        eprintln!(
            "ves: new agent seed written to {} (mode 0600)",
            path.display()
        );
    }
    let key = sign::signing_key_from_seed(&agent_seed);
    // At most 2^53-1, like k6's SEED, so that a drawn seed can be given to k6 as well.
    let seed = args.seed.unwrap_or_else(|| secret::os_random_u64() >> 11);
    let agent_key_id = args
        .agent_key_id
        .unwrap_or_else(|| 1 + derived_rng(seed, 0).next_u32() % ((1 << 31) - 1));
    let jobs = args
        .jobs
        .map(|j| j as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(args.vus as usize);

    let started = Instant::now();
    let next = AtomicU32::new(1);
    let shards = Mutex::new(Vec::new());
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let progress = Progress::new(
        u64::from(args.vus) * u64::from(args.batches_per_vu) * u64::from(args.batch_size),
    );
    std::thread::scope(|s| {
        let watcher = s.spawn(|| progress.watch("presign: events"));
        let mut workers = Vec::new();
        for _ in 0..jobs {
            workers.push(s.spawn(|| loop {
                let vu = next.fetch_add(1, Ordering::Relaxed);
                if vu > args.vus || first_error.lock().map_or(true, |e| e.is_some()) {
                    break;
                }
                match write_shard(&args, agent_key_id, &key, seed, vu, &created_at, &progress) {
                    Ok(shard) => shards.lock().expect("no worker panics").push(shard),
                    Err(e) => {
                        if let Ok(mut slot) = first_error.lock() {
                            slot.get_or_insert(e);
                        }
                        break;
                    }
                }
            }));
        }
        for w in workers {
            let _ = w.join();
        }
        progress.finish();
        let _ = watcher.join();
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut shards = shards
        .into_inner()
        .map_err(|_| anyhow!("a worker thread failed"))?;
    shards.sort_by_key(|s| s.vu);
    let secs = started.elapsed().as_secs_f64();

    let total_events: u64 = shards.iter().map(|s| s.events).sum();
    let total_bytes: u64 = shards.iter().map(|s| s.bytes).sum();
    let public_key_hex = hexfmt::encode(key.verifying_key().as_bytes());
    let manifest = Manifest {
        format: "ves-presign/1",
        generator: format!("ves {}", env!("CARGO_PKG_VERSION")),
        seed,
        public_key_hex: public_key_hex.clone(),
        tenant_id: args.tenant_id,
        agent_id: args.agent_id,
        agent_key_id,
        store_id: args.store_id,
        streams: args.streams,
        store_ids: (0..args.streams)
            .map(|i| stream_store_id(&args.store_id, i))
            .collect(),
        vus: args.vus,
        batches_per_vu: args.batches_per_vu,
        batch_size: args.batch_size,
        events_per_vu: u64::from(args.batches_per_vu) * u64::from(args.batch_size),
        total_events,
        total_bytes,
        shape: args.shape.name().into(),
        payload_bytes: args.payload_bytes,
        created_at: created_at.clone(),
        content: format!(
            "ves-k6/content/v1: scenario {:?}, purposes \"batch\", \"payload\" and \"spelling\", iteration (vu-1)*batches_per_vu + body, as the k6 library with SEED={seed} PAYLOAD={} SPELLING={}",
            args.scenario,
            args.shape.name(),
            args.spelling.name()
        ),
        // A varied spelling may write non-ASCII characters raw.
        body_encoding: match args.spelling {
            Spelling::Canonical => "ascii",
            Spelling::Varied => "utf-8",
        },
        spelling: args.spelling.name(),
        shard_pattern: "vu-{VU:04}.ndjson",
        hashes_pattern: "vu-{VU:04}.hashes.ndjson",
        shards,
        register_key_body: RegisterKeyRequest {
            tenant_id: args.tenant_id,
            agent_id: args.agent_id,
            key_id: agent_key_id,
            public_key: hexfmt::encode_prefixed(key.verifying_key().as_bytes()),
            valid_from: None,
            valid_to: None,
            key_algorithm: None,
        },
    };
    let path = args.out.join("manifest.json");
    let tmp = args.out.join("manifest.json.tmp");
    let text = serde_json::to_string_pretty(&manifest)? + "\n";
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .with_context(|| format!("cannot write {}", path.display()))?;

    println!(
        "ves presign: {} VUs x {} bodies x {} events = {total_events} events in {}",
        args.vus,
        args.batches_per_vu,
        args.batch_size,
        args.out.display()
    );
    println!("  agent public key  {public_key_hex}");
    println!(
        "  agent             {} key id {agent_key_id}, tenant {}",
        args.agent_id, args.tenant_id
    );
    println!(
        "  streams           {} (store ids in manifest.json)",
        args.streams
    );
    println!("  created_at        {created_at}");
    println!(
        "  seed              {seed} (same --seed, --agent-seed-file and --created-at give the same bytes)"
    );
    println!(
        "presign: {total_events} events, {total_bytes} bytes in {secs:.3} s: {:.0} events/s, {:.1} MB/s ({jobs} threads)",
        total_events as f64 / secs,
        total_bytes as f64 / secs / 1e6
    );
    Ok(Outcome::Ok)
}

fn write_shard(
    args: &PresignArgs,
    agent_key_id: u32,
    key: &SigningKey,
    seed: u64,
    vu: u32,
    created_at: &str,
    progress: &Progress,
) -> Result<Shard> {
    let stream = (vu - 1) % args.streams;
    let name = shard_name(vu);
    let path = args.out.join(&name);
    let create = |p: &Path| {
        std::fs::File::create(p)
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .with_context(|| format!("cannot create {}", p.display()))
    };
    let mut w = create(&path)?;
    let hashes_path = args.out.join(hashes_name(vu));
    let mut hw = create(&hashes_path)?;
    let mut bytes = 0u64;
    let mut line = Vec::with_capacity(1 << 16);
    let mut hashes: Vec<String> = Vec::with_capacity(args.batch_size as usize);
    let base = OrderBase {
        tenant_id: args.tenant_id,
        store_id: stream_store_id(&args.store_id, stream),
        agent_id: args.agent_id,
        agent_key_id,
        created_at: created_at.to_string(),
    };
    for b in 0..args.batches_per_vu {
        let iteration = u64::from(vu - 1) * u64::from(args.batches_per_vu) + u64::from(b);
        let mut unsigned = order_events(
            &ContentSource::new(seed, &args.scenario, "batch", iteration),
            args.batch_size,
            &base,
        );
        // The same shaping as the k6 library's PAYLOAD (js/payload.js).
        shape_events(
            &mut unsigned,
            args.shape,
            &ContentSource::new(seed, &args.scenario, "payload", iteration),
            args.payload_bytes,
        );
        let signed = unsigned
            .into_iter()
            .map(|e| e.sign_with_jcs(key))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| anyhow!("VU {vu} body {b}: {e}"))?;
        hashes.clear();
        hashes.extend(
            signed
                .iter()
                .map(|(e, _)| hexfmt::encode(&e.signing_hash())),
        );
        serde_json::to_writer(&mut hw, &hashes)?;
        hw.write_all(b"\n")
            .with_context(|| format!("cannot write {}", hashes_path.display()))?;
        line.clear();
        line.extend_from_slice(
            envelopes_body(
                &args.agent_id.to_string(),
                &signed,
                args.spelling,
                &ContentSource::new(seed, &args.scenario, SPELLING_PURPOSE, iteration),
                0,
            )
            .as_bytes(),
        );
        if line.len() > limits::MAX_BODY_BYTES {
            bail!(
                "VU {vu} body {b} is {} bytes, above the server's {} byte limit; lower --batch-size or --payload-bytes",
                line.len(),
                limits::MAX_BODY_BYTES
            );
        }
        line.push(b'\n');
        w.write_all(&line)
            .with_context(|| format!("cannot write {}", path.display()))?;
        bytes += line.len() as u64;
        progress.add(u64::from(args.batch_size));
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    hw.flush()
        .with_context(|| format!("cannot write {}", hashes_path.display()))?;
    Ok(Shard {
        vu,
        file: name,
        hashes_file: hashes_name(vu),
        stream,
        store_id: stream_store_id(&args.store_id, stream),
        batches: args.batches_per_vu,
        events: u64::from(args.batches_per_vu) * u64::from(args.batch_size),
        bytes,
    })
}
