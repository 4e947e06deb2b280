//! The receipts file: what a k6 run acknowledged, read back from k6's log output.
//!
//! A scenario with `RECEIPTS_LOG=1` logs one console line per accepted batch (js/receipts_log.js)
//! and k6 writes it with `--log-output=file=PATH`, either in its text format
//! (`time="…" level=info msg="ves-receipts {…}" source=console`) or with `--log-format=json`
//! (`{"level":"info","msg":"ves-receipts {…}",…}`). The message is `ves-receipts ` and compact
//! JSON (format v1, docs/SCALE.md):
//!
//! `{"v":1,"tenant":"<uuid>","store":"<uuid>","events":[["<event id>",<seq>,"<receipt hash>"
//! [,"<signing hash>","<agent signature>"]],…]}`
//!
//! The last two fields are optional (a replay run takes them from its corpus). Hex may carry
//! `0x`. Lines without the marker are ignored; a marked line that does not parse is an error
//! naming the file and line.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use uuid::Uuid;
use ves_core::hash::{self, Hash};
use ves_core::hexfmt;

/// The message prefix that marks a receipts line.
pub const MARKER: &str = "ves-receipts ";

/// One acknowledged event.
#[derive(Debug, Clone)]
pub struct Claim {
    pub event_id: Uuid,
    pub seq: u64,
    pub receipt_hash: Hash,
    /// Signing hash and agent signature: from the log (live) or the corpus (replay).
    pub signed: Option<(Hash, [u8; 64])>,
}

impl Claim {
    /// The Merkle leaf this event must have at its sequence number, when its signature is known.
    pub fn leaf(&self, tenant: &Uuid, store: &Uuid) -> Option<Hash> {
        self.signed
            .as_ref()
            .map(|(sh, sig)| hash::leaf_hash(tenant, store, self.seq, sh, sig))
    }
}

/// Every claim, per stream (tenant, store).
#[derive(Default)]
pub struct Receipts {
    pub streams: HashMap<(Uuid, Uuid), Vec<Claim>>,
    pub lines: u64,
    pub events: u64,
}

#[derive(serde::Deserialize)]
struct Line {
    v: u32,
    tenant: Uuid,
    store: Uuid,
    events: Vec<Vec<serde_json::Value>>,
}

#[derive(serde::Deserialize)]
struct JsonLogLine {
    msg: Option<String>,
}

impl Receipts {
    pub fn read_files(paths: &[PathBuf]) -> Result<Self> {
        let mut r = Receipts::default();
        for p in paths {
            r.read_file(p)?;
        }
        Ok(r)
    }

    fn read_file(&mut self, path: &Path) -> Result<()> {
        let file = File::open(path)
            .with_context(|| format!("--receipts {}: cannot open", path.display()))?;
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line =
                line.with_context(|| format!("{}: cannot read line {}", path.display(), n + 1))?;
            let at = || format!("{}:{}", path.display(), n + 1);
            if let Some(msg) = message(&line).with_context(at)? {
                self.add(&msg).with_context(at)?;
            }
        }
        Ok(())
    }

    /// Adds one `ves-receipts {…}` message.
    pub fn add(&mut self, msg: &str) -> Result<()> {
        let json = msg
            .strip_prefix(MARKER)
            .ok_or_else(|| anyhow!("a receipts message must start with {MARKER:?}"))?;
        let line: Line = serde_json::from_str(json)
            .map_err(|e| anyhow!("not a receipts line ({e}); expected {{\"v\":1,\"tenant\":…,\"store\":…,\"events\":[…]}}"))?;
        if line.v != 1 {
            bail!(
                "receipts format v{} is not known (this ves reads v1)",
                line.v
            );
        }
        let claims = self.streams.entry((line.tenant, line.store)).or_default();
        for (i, e) in line.events.iter().enumerate() {
            claims.push(claim(e).with_context(|| format!("events[{i}]"))?);
        }
        self.lines += 1;
        self.events += line.events.len() as u64;
        Ok(())
    }
}

fn claim(e: &[serde_json::Value]) -> Result<Claim> {
    let text = |i: usize, what: &str| -> Result<&str> {
        e.get(i)
            .and_then(|v| v.as_str())
            .ok_or_else(|| anyhow!("item {i} ({what}) must be a string"))
    };
    if e.len() != 3 && e.len() != 5 {
        bail!(
            "expected [event id, seq, receipt hash] or [event id, seq, receipt hash, signing hash, signature], found {} items",
            e.len()
        );
    }
    let event_id =
        Uuid::parse_str(text(0, "event id")?).map_err(|err| anyhow!("event id: {err}"))?;
    let seq = e[1]
        .as_u64()
        .ok_or_else(|| anyhow!("item 1 (sequence number) must be a non-negative integer"))?;
    let receipt_hash = hexfmt::decode_fixed::<32>(text(2, "receipt hash")?, "receipt hash")
        .map_err(|err| anyhow!("{err}"))?;
    let signed = if e.len() == 5 {
        let sh = hexfmt::decode_fixed::<32>(text(3, "signing hash")?, "signing hash")
            .map_err(|err| anyhow!("{err}"))?;
        let sig = hexfmt::decode_fixed::<64>(text(4, "signature")?, "signature")
            .map_err(|err| anyhow!("{err}"))?;
        Some((sh, sig))
    } else {
        None
    };
    Ok(Claim {
        event_id,
        seq,
        receipt_hash,
        signed,
    })
}

/// The receipts message of one log line, if it carries one: a JSON log line's `msg`, or a text
/// line's `msg="…"` (Go-quoted), or a bare message.
pub fn message(line: &str) -> Result<Option<String>> {
    if !line.contains("ves-receipts") {
        return Ok(None);
    }
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        let parsed: JsonLogLine = serde_json::from_str(trimmed)
            .map_err(|e| anyhow!("a JSON log line that does not parse ({e})"))?;
        return Ok(parsed.msg.filter(|m| m.starts_with(MARKER)));
    }
    if trimmed.starts_with(MARKER) {
        return Ok(Some(trimmed.to_string()));
    }
    if let Some(pos) = find_msg(trimmed) {
        let quoted = &trimmed[pos..];
        let msg = if quoted.starts_with('"') {
            unquote_go(quoted)?
        } else {
            quoted.split(' ').next().unwrap_or("").to_string()
        };
        return Ok(msg.starts_with(MARKER).then_some(msg));
    }
    Ok(None)
}

/// The byte offset of the value of the `msg=` key (at the line's start or after a space).
fn find_msg(line: &str) -> Option<usize> {
    if let Some(rest) = line.strip_prefix("msg=") {
        return Some(line.len() - rest.len());
    }
    line.find(" msg=").map(|i| i + " msg=".len())
}

/// Reads a Go `%q` string (what logrus writes for a value that needs quoting) from the start of
/// `s`; the rest of the line is ignored.
fn unquote_go(s: &str) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(out),
            '\\' => {
                let esc = chars
                    .next()
                    .ok_or_else(|| anyhow!("msg: a quoted value ends inside an escape"))?;
                match esc {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'x' | 'u' | 'U' => {
                        let n = match esc {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let digits: String = chars.by_ref().take(n).collect();
                        let code = u32::from_str_radix(&digits, 16)
                            .map_err(|_| anyhow!("msg: bad escape \\{esc}{digits}"))?;
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    bail!("msg: a quoted value without its closing quote")
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"v":1,"tenant":"00000000-0000-0000-0000-000000000000","store":"00000000-0000-0000-0000-000000000000","events":[["8a0e2b9c-6d0a-4f3e-9a51-0c2a1b3c4d5e",7,"0x00000000000000000000000000000000000000000000000000000000000000ff"]]}"#;

    #[test]
    fn reads_text_json_and_bare_lines() {
        let quoted = format!("{:?}", format!("{MARKER}{JSON}"));
        let text = format!("time=\"2026-12-01T12:00:00Z\" level=info msg={quoted} source=console");
        let json = serde_json::json!({"level": "info", "msg": format!("{MARKER}{JSON}"), "source": "console"}).to_string();
        let bare = format!("{MARKER}{JSON}");
        for line in [text, json, bare] {
            let msg = message(&line).unwrap().expect("a receipts line");
            let mut r = Receipts::default();
            r.add(&msg).unwrap();
            assert_eq!(r.events, 1, "{line}");
            let claims = r.streams.values().next().unwrap();
            assert_eq!(claims[0].seq, 7);
            assert_eq!(claims[0].receipt_hash[31], 0xff);
        }
    }

    #[test]
    fn ignores_other_lines_and_explains_bad_ones() {
        assert!(message("time=x level=info msg=\"hello\"")
            .unwrap()
            .is_none());
        assert!(message("note: ves-receipts mentioned msg=\"other\"")
            .unwrap()
            .is_none());
        let mut r = Receipts::default();
        let e = r.add(&format!("{MARKER}{{\"v\":2}}")).unwrap_err();
        assert!(format!("{e:#}").contains("not a receipts line"), "{e:#}");
        let bad = JSON.replace(",7,", ",-7,");
        let e = r.add(&format!("{MARKER}{bad}")).unwrap_err();
        assert!(format!("{e:#}").contains("sequence number"), "{e:#}");
    }
}
