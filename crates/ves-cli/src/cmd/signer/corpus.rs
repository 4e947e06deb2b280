//! A `ves presign` corpus (docs/REPLAY.md) opened by the signer, so that it can check the
//! answers to a replay run: per line of a shard, the events' ids (from the shard's body line)
//! and signing hashes (from the same line of its `hashes_file`). k6 names the line; nothing of
//! the corpus passes through k6 twice.
//!
//! Each shard's line offsets are found once, on first use (a scan for newlines, about a second
//! per GB from the page cache), and lines are then read where they lie.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;
use uuid::Uuid;
use ves_core::answer::{SentBatch, SentEvent};
use ves_core::hexfmt;

use super::pending::CheckOptions;

#[derive(Deserialize)]
struct Manifest {
    format: String,
    tenant_id: Uuid,
    shards: Vec<ShardEntry>,
    #[serde(default)]
    seed: Option<u64>,
}

#[derive(Deserialize)]
struct ShardEntry {
    file: String,
    hashes_file: String,
    store_id: Uuid,
}

pub struct Corpus {
    pub seed: Option<u64>,
    tenant: Uuid,
    shards: Vec<Shard>,
    pub options: CheckOptions,
}

struct Shard {
    body: PathBuf,
    hashes: PathBuf,
    store: Uuid,
    index: Mutex<Option<Index>>,
}

/// Where each non-empty line of a shard and of its hashes file lies: (offset, length).
struct Index {
    body_file: File,
    hashes_file: File,
    body: Vec<(u64, u32)>,
    hashes: Vec<(u64, u32)>,
}

impl Corpus {
    pub fn open(dir: &Path, options: CheckOptions) -> Result<Corpus, String> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a ves presign manifest ({e})", path.display()))?;
        if m.format != "ves-presign/1" {
            return Err(format!(
                "{}: format {:?}, expected ves-presign/1",
                path.display(),
                m.format
            ));
        }
        Ok(Corpus {
            seed: m.seed,
            tenant: m.tenant_id,
            shards: m
                .shards
                .into_iter()
                .map(|s| Shard {
                    body: dir.join(s.file),
                    hashes: dir.join(s.hashes_file),
                    store: s.store_id,
                    index: Mutex::new(None),
                })
                .collect(),
            options,
        })
    }

    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    /// The events of line `line` (0-based, among non-empty lines) of shard `shard`.
    pub fn batch(&self, shard: usize, line: usize) -> Result<SentBatch, String> {
        let s = self.shards.get(shard).ok_or_else(|| {
            format!(
                "shard {shard}: the corpus has {} shards (0 to {})",
                self.shards.len(),
                self.shards.len().saturating_sub(1)
            )
        })?;
        let mut guard = s.index.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(Index::build(&s.body, &s.hashes)?);
        }
        let index = guard.as_ref().ok_or("no index")?;
        let (body, hashes) = index
            .line(line)
            .map_err(|e| format!("{} line {}: {e}", s.body.display(), line + 1))?;
        drop(guard);
        let hashes: Vec<String> = serde_json::from_slice(&hashes).map_err(|e| {
            format!(
                "{} line {}: not a JSON array of signing hashes ({e})",
                s.hashes.display(),
                line + 1
            )
        })?;
        let ids = event_ids(&body, hashes.len());
        if ids.len() != hashes.len() {
            return Err(format!(
                "{} line {}: {} events but {} signing hashes",
                s.body.display(),
                line + 1,
                ids.len(),
                hashes.len()
            ));
        }
        let events = ids
            .into_iter()
            .zip(&hashes)
            .map(|(event_id, h)| {
                hexfmt::decode_fixed::<32>(h, "signing hash")
                    .map(|signing_hash| SentEvent {
                        event_id,
                        signing_hash,
                    })
                    .map_err(|e| format!("{} line {}: {e}", s.hashes.display(), line + 1))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(SentBatch {
            tenant: self.tenant,
            store: s.store,
            events,
        })
    }
}

impl Index {
    fn build(body: &Path, hashes: &Path) -> Result<Index, String> {
        let open =
            |p: &Path| File::open(p).map_err(|e| format!("cannot open {}: {e}", p.display()));
        let (body_file, hashes_file) = (open(body)?, open(hashes)?);
        Ok(Index {
            body: lines(&body_file, body)?,
            hashes: lines(&hashes_file, hashes)?,
            body_file,
            hashes_file,
        })
    }

    fn line(&self, k: usize) -> Result<(Vec<u8>, Vec<u8>), String> {
        let (Some(b), Some(h)) = (self.body.get(k), self.hashes.get(k)) else {
            return Err(format!(
                "no such line: the shard has {} lines and its hashes file {}",
                self.body.len(),
                self.hashes.len()
            ));
        };
        Ok((read(&self.body_file, *b)?, read(&self.hashes_file, *h)?))
    }
}

fn read(file: &File, (offset, len): (u64, u32)) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; len as usize];
    file.read_exact_at(&mut buf, offset)
        .map_err(|e| format!("cannot read: {e}"))?;
    Ok(buf)
}

/// (offset, length) of every non-empty line.
fn lines(file: &File, path: &Path) -> Result<Vec<(u64, u32)>, String> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let (mut at, mut start) = (0u64, 0u64);
    loop {
        let n = file
            .read_at(&mut buf, at)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                let end = at + i as u64;
                if end > start {
                    out.push((start, (end - start) as u32));
                }
                start = end + 1;
            }
        }
        at += n as u64;
    }
    if at > start {
        out.push((start, (at - start) as u32));
    }
    Ok(out)
}

// `ves presign` writes each envelope starting with {"ves_version":1,"event_id":"…": a payload's
// keys are in RFC 8785 order, so it cannot hold that text (the same search as js/shard_reader.js).
const EVENT_ID: &[u8] = b"{\"ves_version\":1,\"event_id\":\"";

fn event_ids(body: &[u8], expected: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(expected);
    for at in memchr::memmem::find_iter(body, EVENT_ID) {
        let start = at + EVENT_ID.len();
        let Some(id) = body.get(start..start + 36) else {
            break;
        };
        out.push(String::from_utf8_lossy(id).into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_empty_ones_and_a_missing_last_newline() {
        let dir = std::env::temp_dir().join(format!("ves-corpus-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f");
        std::fs::write(&p, b"ab\n\ncde\nf").unwrap();
        let f = File::open(&p).unwrap();
        assert_eq!(lines(&f, &p).unwrap(), vec![(0, 2), (4, 3), (8, 1)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn event_ids_are_found_after_the_envelope_start() {
        let body = br#"{"agentId":"x","events":[{"ves_version":1,"event_id":"11111111-1111-1111-1111-111111111111","payload":{"event_id":"no"}},{"ves_version":1,"event_id":"22222222-2222-2222-2222-222222222222"}]}"#;
        assert_eq!(
            event_ids(body, 2),
            vec![
                "11111111-1111-1111-1111-111111111111",
                "22222222-2222-2222-2222-222222222222"
            ]
        );
    }
}
