//! `ves conformance FILE...`: recomputes every value of VES vector files with ves-core and
//! compares byte for byte. Formats are recognized from the content: the live capture
//! (`live_ves_v1_dev.json`), the computed KAT (`ves_v1_computed_kat.json`), the upstream
//! `ves_sig_1` / `ves_enc_1` files, and `ves-vectors/1` (what `ves vectors` writes).
//!
//! Upstream placeholders are skipped with the reason, unless a KAT (given on the same command
//! line, or `ves_v1_computed_kat.json` beside the file) has a value that stands in for them.

mod event;
mod kat;
mod live;
mod own;
mod report;
mod upstream;

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::Args;
use serde_json::Value;
use uuid::Uuid;
use ves_core::commitment::ComputedCommitment;
use ves_core::envelope::EventEnvelope;
use ves_core::hash::{self, Hash, ZERO_HASH};
use ves_core::jcs;
use ves_core::sign::{self, SigningKey};

use crate::json::At;
use crate::Outcome;
use report::Report;

#[derive(Args)]
pub struct ConformanceArgs {
    /// Vector files (JSON): live capture, KAT, ves_sig_1, ves_enc_1 or ves-vectors/1.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Live,
    Kat,
    Sig1,
    Enc1,
    Own,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Live => "live capture",
            Format::Kat => "computed KAT",
            Format::Sig1 => "upstream ves_sig_1",
            Format::Enc1 => "upstream ves_enc_1",
            Format::Own => "ves-vectors/1",
        }
    }
}

fn detect(v: &Value) -> Result<Format> {
    let has = |k: &str| v.get(k).is_some();
    let title = v.get("title").and_then(Value::as_str).unwrap_or("");
    if let Some(f) = v.get("format").and_then(Value::as_str) {
        return if f == "ves-vectors/1" {
            Ok(Format::Own)
        } else {
            Err(anyhow!(
                "unsupported format {f:?}: this ves reads ves-vectors/1 (see docs/VECTORS.md)"
            ))
        };
    }
    if v.get("capture_mode").and_then(Value::as_str) == Some("live")
        || (has("ingest") && has("events") && has("agent_seed_hex"))
    {
        return Ok(Format::Live);
    }
    if has("worked_example") && has("upstream_vector_corrections") {
        return Ok(Format::Kat);
    }
    if title.contains("VES-SIG-1") || (has("key_generation") && has("event_signing_params")) {
        return Ok(Format::Sig1);
    }
    if title.contains("VES-ENC-1") || (has("canonicalization") && has("hpke_key_pairs")) {
        return Ok(Format::Enc1);
    }
    let keys: Vec<&str> = v
        .as_object()
        .map(|m| m.keys().take(8).map(String::as_str).collect())
        .unwrap_or_default();
    Err(anyhow!(
        "not a VES vectors file: expected a live capture, the computed KAT, ves_sig_1, ves_enc_1 or ves-vectors/1, found top-level keys {keys:?}"
    ))
}

struct Input {
    path: PathBuf,
    name: String,
    value: Value,
    format: Format,
}

fn load(path: &Path) -> Result<Input> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let format = detect(&value).with_context(|| path.display().to_string())?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(Input {
        path: path.to_path_buf(),
        name,
        value,
        format,
    })
}

/// The KAT that stands in for upstream placeholders, and where it came from.
pub struct Reference<'a> {
    pub kat: &'a Value,
    pub name: String,
}

pub fn run(args: ConformanceArgs) -> Result<Outcome> {
    // Read everything first: a KAT anywhere on the command line serves every upstream file.
    let mut inputs = Vec::new();
    for path in &args.files {
        inputs.push(load(path)?);
    }
    let kat_on_command_line = inputs.iter().find(|i| i.format == Format::Kat);
    let mut beside: Vec<(PathBuf, Input)> = Vec::new();
    let (mut ok, mut failed, mut skipped) = (0u64, 0u64, 0usize);
    let mut failed_files = Vec::new();
    for input in &inputs {
        let mut rep = Report::new(input.name.clone(), input.format.name());
        match input.format {
            Format::Live => live::check(&mut rep, &input.value),
            Format::Kat => kat::check(&mut rep, &input.value),
            Format::Own => own::check(&mut rep, &input.value),
            Format::Sig1 | Format::Enc1 => {
                let reference = match kat_on_command_line {
                    Some(k) => Some(Reference {
                        kat: &k.value,
                        name: k.name.clone(),
                    }),
                    None => {
                        let dir = input.path.parent().unwrap_or(Path::new("."));
                        let candidate = dir.join("ves_v1_computed_kat.json");
                        if !beside.iter().any(|(p, _)| p == &candidate) {
                            if let Ok(k) = load(&candidate) {
                                if k.format == Format::Kat {
                                    beside.push((candidate.clone(), k));
                                }
                            }
                        }
                        beside
                            .iter()
                            .find(|(p, _)| p == &candidate)
                            .map(|(_, k)| Reference {
                                kat: &k.value,
                                name: k.name.clone(),
                            })
                    }
                };
                if input.format == Format::Sig1 {
                    upstream::check_sig1(&mut rep, &input.value, reference.as_ref());
                } else {
                    upstream::check_enc1(&mut rep, &input.value, reference.as_ref());
                }
            }
        }
        let (file_ok, file_failed) = rep.cases();
        if file_ok + file_failed == 0 {
            rep.case("structure", "file", |_| {
                Err(anyhow!("no cases found: the file holds nothing to check"))
            });
        }
        println!("{}  ({}, {})", input.name, rep.format, input.path.display());
        rep.print();
        let (file_ok, file_failed) = rep.cases();
        ok += file_ok;
        failed += file_failed;
        skipped += rep.skipped_count();
        if file_failed > 0 {
            failed_files.push(input.name.clone());
        }
    }
    let verdict = if failed == 0 { "PASS" } else { "FAIL" };
    println!(
        "conformance: {} files, {ok}/{} cases ok, {failed} failed, {skipped} parts skipped, result={verdict}{}",
        inputs.len(),
        ok + failed,
        if failed_files.is_empty() {
            String::new()
        } else {
            format!(" (mismatches in {})", failed_files.join(", "))
        }
    );
    Ok(if failed == 0 {
        Outcome::Ok
    } else {
        Outcome::CheckFailed
    })
}

/// Every value derived from an envelope's inputs: the payload hash from the payload, the
/// preimage and signing hash from the fields, and (with a key) the signature.
pub struct Recomputed {
    /// The envelope with `payload_plain_hash` (and, with a key, `agent_signature`) recomputed.
    pub env: EventEnvelope,
    pub jcs: String,
    pub preimage: Vec<u8>,
    pub signing_hash: Hash,
}

pub fn recompute(input: &EventEnvelope, key: Option<&SigningKey>) -> Result<Recomputed> {
    let mut env = input.clone();
    let jcs = env.payload_jcs().map_err(|e| anyhow!("{e}"))?;
    env.payload_plain_hash = hash::payload_plain_hash_from_jcs(&jcs);
    let preimage = env.signing_preimage();
    let signing_hash = env.signing_hash();
    if let Some(k) = key {
        env.agent_signature = sign::sign_hash(k, &signing_hash);
    }
    Ok(Recomputed {
        env,
        jcs,
        preimage,
        signing_hash,
    })
}

/// The leaf preimage bytes (147), as ves-core writes them.
pub fn leaf_preimage(env: &EventEnvelope, seq: u64, signing_hash: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(147);
    hash::write_leaf_preimage(
        &mut out,
        &env.tenant_id,
        &env.store_id,
        seq,
        signing_hash,
        &env.agent_signature,
    );
    out
}

/// The receipt preimage bytes (102), as ves-core writes them.
pub fn receipt_preimage(env: &EventEnvelope, seq: u64, signing_hash: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(102);
    hash::write_receipt_preimage(
        &mut out,
        &env.tenant_id,
        &env.store_id,
        &env.event_id,
        seq,
        signing_hash,
    );
    out
}

/// One JCS case of the KAT or of `ves vectors`: `input_json` parsed as the server parses it,
/// canonicalized, and compared with `jcs`, `jcs_utf8_hex` and `payload_plain_hash`.
pub fn check_jcs_case(rep: &mut Report, v: &At, item: &str) {
    let canon = v.get("input_json").str().and_then(|t| {
        jcs::canonicalize_text(t).map_err(|e| anyhow!("{}: {e}", v.get("input_json").path()))
    });
    let canon = match canon {
        Ok(s) => s,
        Err(e) => return rep.broken("jcs", item, &e),
    };
    rep.case("jcs", item, |c| {
        c.text(&v.get("jcs"), &canon);
        c.hex(&v.get("jcs_utf8_hex"), canon.as_bytes());
        Ok(())
    });
    rep.case("payload_hash", item, |c| {
        c.hex(
            &v.get("payload_plain_hash"),
            &hash::payload_plain_hash_from_jcs(&canon),
        );
        Ok(())
    });
}

/// A stream's first commitment recomputed from its leaves, against a file's record of it at
/// `at`: root and counts, stream id, and the state root with its preimage (prev is zeros).
pub fn check_commitment_record(
    rep: &mut Report,
    at: &At,
    item: &str,
    (tenant, store): (&Uuid, &Uuid),
    computed: &ComputedCommitment,
) {
    let tree = &computed.tree;
    rep.case("merkle_root", item, |c| {
        c.hex(&at.get("merkle_root"), &tree.root());
        c.num(&at.get("leaf_count"), tree.leaf_count());
        c.num(&at.get("padded_leaf_count"), tree.padded_leaf_count());
        c.num(&at.get("tree_depth"), tree.depth() as u64);
        c.num(&at.get("sequence_start"), computed.sequence_start);
        c.num(&at.get("sequence_end"), computed.sequence_end);
        Ok(())
    });
    let stream = hash::stream_id(tenant, store);
    rep.case("stream_id", item, |c| {
        c.hex(&at.get("stream_id"), &stream);
        Ok(())
    });
    rep.case("state_root", item, |c| {
        let mut pre = Vec::new();
        hash::write_state_root_preimage(
            &mut pre,
            &stream,
            &ZERO_HASH,
            &tree.root(),
            computed.sequence_start,
            computed.sequence_end,
            tree.leaf_count() as u32,
        );
        c.hex(&at.get("state_root_preimage_hex"), &pre);
        c.hex(&at.get("prev_state_root"), &ZERO_HASH);
        c.hex(&at.get("new_state_root"), &computed.new_state_root);
        Ok(())
    });
}

/// The rules the real server applies to an envelope before hashing (lengths, RFC 3339
/// `created_at`, no U+0000, version 1, zero cipher hash for plaintext).
pub fn check_envelope_rules(c: &mut report::Case, env: &EventEnvelope, path: &str) {
    let rules = [
        env.check_field_lengths(),
        env.check_created_at(),
        env.check_no_nul(),
    ];
    for r in rules {
        if let Err(e) = r {
            c.require(false, || format!("{path}: {e}"));
        }
    }
    c.require(env.ves_version == 1, || {
        format!("{path}.ves_version: expected 1, found {}", env.ves_version)
    });
    c.require(env.payload_cipher_hash == hash::ZERO_HASH, || {
        format!("{path}.payload_cipher_hash: expected 32 zero bytes for a plaintext event")
    });
}

/// ves-core's bytes for a domain prefix, by its ASCII name.
pub fn core_domain(ascii: &str) -> Option<&'static [u8]> {
    [
        hash::DOMAIN_PAYLOAD_PLAIN,
        hash::DOMAIN_EVENTSIG,
        hash::DOMAIN_RECEIPT,
        hash::DOMAIN_LEAF,
        hash::DOMAIN_PAD_LEAF,
        hash::DOMAIN_NODE,
        hash::DOMAIN_STREAM,
        hash::DOMAIN_STATE_ROOT,
    ]
    .into_iter()
    .find(|d| *d == ascii.as_bytes())
}

/// An envelope from a vectors' list of fields plus explicit hashes (no payload, no signature).
pub fn envelope_from_fields(fields: &At, plain: &At, cipher: &At) -> Result<EventEnvelope> {
    let mut obj = fields.obj()?.clone();
    obj.insert("payload_plain_hash".into(), plain.req()?.clone());
    obj.insert("payload_cipher_hash".into(), cipher.req()?.clone());
    obj.insert("agent_signature".into(), Value::String("00".repeat(64)));
    serde_json::from_value(Value::Object(obj)).map_err(|e| anyhow!("{}: {e}", fields.path()))
}

/// Parses an envelope at `at` into the ves-core type.
pub fn envelope_at(at: &At) -> Result<EventEnvelope> {
    at.parse::<EventEnvelope>()
}
