//! `--corpus DIR`: the signing hash and agent signature of replayed events, taken from a
//! `ves presign` corpus (docs/REPLAY.md) instead of the receipts file. Shards are streamed a
//! line at a time; only events that a receipt names are kept.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use uuid::Uuid;
use ves_core::hash::Hash;
use ves_core::hexfmt;

use super::receipts::Receipts;

/// Where each claim without signatures sits: event id -> (stream, index) in `Receipts::streams`.
type Wanted = HashMap<Uuid, Vec<((Uuid, Uuid), usize)>>;

#[derive(serde::Deserialize)]
struct Manifest {
    format: String,
    shards: Vec<ShardEntry>,
}

#[derive(serde::Deserialize)]
struct ShardEntry {
    file: String,
    hashes_file: String,
}

#[derive(serde::Deserialize)]
struct Body {
    events: Vec<Envelope>,
}

#[derive(serde::Deserialize)]
struct Envelope {
    event_id: Uuid,
    agent_signature: String,
}

/// Fills in the signing hash and signature of every claim that lacks them and whose event the
/// corpus holds. Returns how many were filled.
pub fn fill(receipts: &mut Receipts, dir: &Path) -> Result<u64> {
    let manifest_path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("--corpus: cannot read {}", manifest_path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a ves presign manifest", manifest_path.display()))?;
    if manifest.format != "ves-presign/1" {
        bail!(
            "{}: format {:?}, expected ves-presign/1",
            manifest_path.display(),
            manifest.format
        );
    }
    // Where each unsigned claim sits: (stream key, index); an id acknowledged twice sits twice.
    let mut wanted: Wanted = HashMap::new();
    for (key, claims) in &receipts.streams {
        for (i, c) in claims.iter().enumerate() {
            if c.signed.is_none() {
                wanted.entry(c.event_id).or_default().push((*key, i));
            }
        }
    }
    let mut filled = 0u64;
    for shard in &manifest.shards {
        if wanted.is_empty() {
            break;
        }
        filled += fill_shard(receipts, &mut wanted, dir, shard)?;
    }
    Ok(filled)
}

fn fill_shard(
    receipts: &mut Receipts,
    wanted: &mut Wanted,
    dir: &Path,
    shard: &ShardEntry,
) -> Result<u64> {
    let open = |name: &str| -> Result<BufReader<File>> {
        let p = dir.join(name);
        Ok(BufReader::new(File::open(&p).with_context(|| {
            format!("--corpus: cannot open {}", p.display())
        })?))
    };
    let bodies = open(&shard.file)?.lines();
    let mut hashes = open(&shard.hashes_file)?.lines();
    let mut filled = 0;
    for (n, body) in bodies.enumerate() {
        let at = || format!("{}/{} line {}", dir.display(), shard.file, n + 1);
        let body = body.with_context(at)?;
        if body.is_empty() {
            continue;
        }
        let hash_line = hashes
            .next()
            .ok_or_else(|| anyhow!("{}: fewer lines than its shard", shard.hashes_file))?
            .with_context(at)?;
        let body: Body = serde_json::from_str(&body).with_context(at)?;
        let signing: Vec<String> = serde_json::from_str(&hash_line).with_context(at)?;
        if signing.len() != body.events.len() {
            bail!(
                "{}: {} signing hashes for {} events",
                at(),
                signing.len(),
                body.events.len()
            );
        }
        for (e, sh) in body.events.iter().zip(&signing) {
            let Some(places) = wanted.remove(&e.event_id) else {
                continue;
            };
            let sh: Hash = hexfmt::decode_fixed::<32>(sh, "signing hash")
                .map_err(|err| anyhow!("{}: {err}", at()))?;
            let sig = hexfmt::decode_fixed::<64>(&e.agent_signature, "agent_signature")
                .map_err(|err| anyhow!("{}: {err}", at()))?;
            for (key, i) in places {
                if let Some(c) = receipts.streams.get_mut(&key).and_then(|v| v.get_mut(i)) {
                    c.signed = Some((sh, sig));
                    filled += 1;
                }
            }
        }
    }
    Ok(filled)
}
