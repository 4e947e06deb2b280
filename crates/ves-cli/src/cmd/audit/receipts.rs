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
//! `0x`.
//!
//! Format v2 is written for answers whose receipts k6 did not check one by one
//! (`RECEIPT_CHECK` < 1): the answer's `receipts` array as the sequencer sent it, and for live
//! runs the events' ids, signing hashes and signatures as concatenated bare hex (36, 64 and 128
//! characters per event, in the order sent):
//!
//! `{"v":2,"tenant":…,"store":…[,"ids":"…","hashes":"…","sigs":"…"],"receipts":[{"eventId":…,"sequenceNumber":…,"receiptHash":…,…},…]}`
//!
//! Lines without the marker are ignored; a marked line that does not parse is an error
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
    /// v1
    #[serde(default)]
    events: Vec<Vec<serde_json::Value>>,
    /// v2: the answer's receipts, and the sent events' columns (live runs).
    #[serde(default)]
    receipts: Vec<RawReceipt>,
    #[serde(default)]
    ids: Option<String>,
    #[serde(default)]
    hashes: Option<String>,
    #[serde(default)]
    sigs: Option<String>,
}

/// A receipt as the sequencer answers it (other fields are ignored).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReceipt {
    event_id: String,
    sequence_number: u64,
    receipt_hash: String,
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
            .map_err(|e| anyhow!("not a receipts line ({e}); expected {{\"v\":1,\"tenant\":…,\"store\":…,\"events\":[…]}} or v2 with \"receipts\":[…]"))?;
        let claims = match line.v {
            1 => line
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| claim(e).with_context(|| format!("events[{i}]")))
                .collect::<Result<Vec<_>>>()?,
            2 => claims_v2(&line)?,
            v => bail!("receipts format v{v} is not known (this ves reads v1 and v2)"),
        };
        self.lines += 1;
        self.events += claims.len() as u64;
        self.streams
            .entry((line.tenant, line.store))
            .or_default()
            .extend(claims);
        Ok(())
    }
}

/// The claims of a v2 line: each receipt, with the signing hash and signature of the sent event
/// of the same id when the line carries the columns.
fn claims_v2(line: &Line) -> Result<Vec<Claim>> {
    let signed = match (&line.ids, &line.hashes, &line.sigs) {
        (None, None, None) => None,
        (Some(ids), Some(hashes), Some(sigs)) => Some(columns(ids, hashes, sigs)?),
        _ => bail!("v2: \"ids\", \"hashes\" and \"sigs\" come together or not at all"),
    };
    line.receipts
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = || format!("receipts[{i}]");
            let event_id = Uuid::parse_str(&r.event_id)
                .map_err(|e| anyhow!("eventId: {e}"))
                .with_context(at)?;
            let receipt_hash = hexfmt::decode_fixed::<32>(&r.receipt_hash, "receiptHash")
                .map_err(|e| anyhow!("{e}"))
                .with_context(at)?;
            // A receipt for an event the line did not send keeps no signature: the audit reports
            // it as foreign when it is not in the log, and cannot rebuild its leaf otherwise.
            let signed = signed.as_ref().and_then(|m| m.get(&event_id).copied());
            Ok(Claim {
                event_id,
                seq: r.sequence_number,
                receipt_hash,
                signed,
            })
        })
        .collect()
}

/// Event id -> (signing hash, signature) from the concatenated columns of a v2 line.
fn columns(ids: &str, hashes: &str, sigs: &str) -> Result<HashMap<Uuid, (Hash, [u8; 64])>> {
    let n = ids.len() / 36;
    if ids.len() != 36 * n || hashes.len() != 64 * n || sigs.len() != 128 * n {
        bail!(
            "v2: ids, hashes and sigs must hold 36, 64 and 128 characters per event; found {}, {} and {} characters",
            ids.len(),
            hashes.len(),
            sigs.len()
        );
    }
    let mut out = HashMap::with_capacity(n);
    for i in 0..n {
        let id = ids.get(36 * i..36 * i + 36).unwrap_or_default();
        let id = Uuid::parse_str(id).map_err(|e| anyhow!("v2: ids[{i}]: {e}"))?;
        let sh = hexfmt::decode_fixed::<32>(
            hashes.get(64 * i..64 * i + 64).unwrap_or_default(),
            "signing hash",
        )
        .map_err(|e| anyhow!("v2: hashes[{i}]: {e}"))?;
        let sig = hexfmt::decode_fixed::<64>(
            sigs.get(128 * i..128 * i + 128).unwrap_or_default(),
            "signature",
        )
        .map_err(|e| anyhow!("v2: sigs[{i}]: {e}"))?;
        out.insert(id, (sh, sig));
    }
    Ok(out)
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

    const ID: &str = "8a0e2b9c-6d0a-4f3e-9a51-0c2a1b3c4d5e";

    fn v2(columns: &str) -> String {
        format!(
            r#"{MARKER}{{"v":2,"tenant":"00000000-0000-0000-0000-000000000000","store":"00000000-0000-0000-0000-000000000000"{columns},"receipts":[{{"sequencerId":"x","eventId":"{ID}","sequenceNumber":9,"sequencedAt":"t","receiptHash":"{}","signatureAlg":"none"}}]}}"#,
            "ab".repeat(32)
        )
    }

    #[test]
    fn reads_v2_lines_with_and_without_columns() {
        let mut r = Receipts::default();
        r.add(&v2(&format!(
            r#","ids":"{ID}","hashes":"{}","sigs":"{}""#,
            "01".repeat(32),
            "02".repeat(64)
        )))
        .unwrap();
        r.add(&v2("")).unwrap();
        let claims = r.streams.values().next().unwrap();
        assert_eq!(claims.len(), 2);
        assert_eq!((claims[0].seq, claims[0].receipt_hash[0]), (9, 0xab));
        let (sh, sig) = claims[0].signed.expect("signed from the columns");
        assert_eq!((sh[0], sig[63]), (1, 2));
        assert!(claims[1].signed.is_none(), "a replay line: from --corpus");
        let e = r
            .add(&v2(&format!(r#","ids":"{ID}","hashes":"01","sigs":"02""#)))
            .unwrap_err();
        assert!(format!("{e:#}").contains("36, 64 and 128"), "{e:#}");
        let e = r.add(&v2(&format!(r#","ids":"{ID}""#))).unwrap_err();
        assert!(format!("{e:#}").contains("come together"), "{e:#}");
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
        let e = r
            .add(&format!("{MARKER}{}", JSON.replace("\"v\":1", "\"v\":3")))
            .unwrap_err();
        assert!(format!("{e:#}").contains("v3 is not known"), "{e:#}");
        let bad = JSON.replace(",7,", ",-7,");
        let e = r.add(&format!("{MARKER}{bad}")).unwrap_err();
        assert!(format!("{e:#}").contains("sequence number"), "{e:#}");
    }
}
