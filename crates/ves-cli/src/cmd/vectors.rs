//! `ves vectors --seed N --count N --out FILE`: random conformance cases in the `ves-vectors/1`
//! format of docs/VECTORS.md, every value computed by ves-core. Deterministic: one seeded
//! ChaCha20 per section, so the same seed always writes the same bytes.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use clap::Args;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use serde_json::{Number, Value};
use uuid::Uuid;
use ves_core::envelope::{EventEnvelope, UnsignedEvent};
use ves_core::generate::{
    edge_payload, edge_value, random_created_at, random_uuid_v4, EventGenerator, GeneratorConfig,
    PayloadShape,
};
use ves_core::hexfmt::encode as hex;
use ves_core::merkle::{InclusionProof, MerkleTree};
use ves_core::sign::{self, SigningKey};
use ves_core::{hash, jcs, limits, mutation, stream_store_id};

use crate::Outcome;

#[derive(Args)]
pub struct VectorsArgs {
    /// Seed of the random cases; the same seed writes the same bytes.
    #[arg(long)]
    seed: u64,
    /// Number of JCS cases and of signed-event cases (each).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    count: u32,
    /// Output file (JSON).
    #[arg(long, value_name = "FILE", required_unless_present = "doubles_out")]
    out: Option<PathBuf>,
    /// Also write seeded doubles and their RFC 8785 text, one per line (cmd/doubles.rs), for
    /// tests/k6/jcs_doubles.test.js.
    #[arg(long, value_name = "FILE")]
    doubles_out: Option<PathBuf>,
    /// Doubles of random bits in --doubles-out (besides fixed cases and 200,000 others).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    doubles: u32,
}

#[derive(Serialize)]
struct VectorsFile {
    format: &'static str,
    generator: String,
    seed: u64,
    count: u32,
    keys: Vec<KeyOut>,
    sequencer_key: KeyOut,
    jcs: Vec<JcsCase>,
    events: Vec<EventCase>,
    stream_store_ids: Vec<StreamCase>,
    merkle: Vec<TreeCase>,
    content: Vec<ContentCase>,
}

/// Seeded content (ves_core::content, js/content.js): the blocks of one (seed, scenario,
/// purpose, iteration) and the order events made from them, signed with keys[0].
#[derive(Serialize)]
struct ContentCase {
    seed: u64,
    scenario: String,
    purpose: String,
    iteration: u64,
    tenant_id: Uuid,
    store_id: Uuid,
    agent_id: Uuid,
    agent_key_id: u32,
    created_at: String,
    /// The payload shape (ves_core::shapes, js/payload.js; `order` unshaped) and its
    /// payload_bytes; shaping reads the `payload` purpose of the same seed, scenario, iteration.
    shape: &'static str,
    payload_bytes: usize,
    /// Block (i, 0) and (i, 1) of each event i, hex.
    blocks: Vec<[String; 2]>,
    envelopes: Vec<EventEnvelope>,
    event_signing_hashes: Vec<String>,
}

#[derive(Serialize)]
struct KeyOut {
    seed_hex: String,
    public_key_hex: String,
}

#[derive(Serialize)]
struct JcsCase {
    name: String,
    input_json: String,
    jcs: String,
    jcs_utf8_hex: String,
    payload_plain_hash: String,
}

#[derive(Serialize)]
struct EventCase {
    key_index: usize,
    envelope: EventEnvelope,
    payload_jcs: String,
    payload_plain_hash: String,
    signing_preimage_hex: String,
    event_signing_hash: String,
    agent_signature: String,
    sequence_number: u64,
    receipt_hash: String,
    sequencer_signature: String,
    leaf_hash: String,
}

#[derive(Serialize)]
struct StreamCase {
    store_id: Uuid,
    index: u32,
    derived: Uuid,
}

#[derive(Serialize)]
struct TreeCase {
    leaf_count: u64,
    padded_leaf_count: u64,
    tree_depth: u32,
    leaves: Vec<String>,
    merkle_root: String,
    proofs: Vec<ProofCase>,
    mutations: Vec<MutationCase>,
}

#[derive(Serialize)]
struct ProofCase {
    leaf_index: u64,
    leaf_hash: String,
    proof_path: Vec<String>,
    directions: Vec<bool>,
}

#[derive(Serialize)]
struct MutationCase {
    kind: &'static str,
    leaf_hash: String,
    proof: InclusionProof,
    merkle_root: String,
    must_fail: Vec<&'static str>,
    must_pass: Vec<&'static str>,
}

/// Independent streams of one seed, one per section.
fn section_rng(seed: u64, section: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(section);
    rng
}

fn below(rng: &mut impl RngCore, n: u64) -> u64 {
    rng.next_u64() % n
}

fn key_out(seed: &[u8; 32]) -> KeyOut {
    KeyOut {
        seed_hex: hex(seed),
        public_key_hex: hex(sign::signing_key_from_seed(seed).verifying_key().as_bytes()),
    }
}

pub fn run(args: VectorsArgs) -> Result<Outcome> {
    if let Some(path) = &args.doubles_out {
        let n = super::doubles::write(path, args.seed, args.doubles)?;
        println!(
            "wrote {}: {n} doubles and their RFC 8785 text",
            path.display()
        );
    }
    let Some(out) = &args.out else {
        return Ok(Outcome::Ok);
    };
    let file = build(args.seed, args.count)?;
    let tmp = out.with_extension("json.tmp");
    let f = std::fs::File::create(&tmp)
        .with_context(|| format!("cannot create {} (does its folder exist?)", tmp.display()))?;
    let mut w = std::io::BufWriter::new(f);
    serde_json::to_writer_pretty(&mut w, &file).context("serializing the vectors")?;
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    drop(w);
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), out.display()))?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    let proofs: usize = file.merkle.iter().map(|t| t.proofs.len()).sum();
    let mutations: usize = file.merkle.iter().map(|t| t.mutations.len()).sum();
    println!(
        "wrote {}: {} jcs cases, {} events, {} stream store ids, {} trees ({proofs} proofs, {mutations} mutations), {} content cases, {bytes} bytes",
        out.display(),
        file.jcs.len(),
        file.events.len(),
        file.stream_store_ids.len(),
        file.merkle.len(),
        file.content.len(),
    );
    Ok(Outcome::Ok)
}

fn build(seed: u64, count: u32) -> Result<VectorsFile> {
    let mut rng = section_rng(seed, 0);
    let seeds: Vec<[u8; 32]> = (0..4)
        .map(|_| {
            let mut s = [0u8; 32];
            rng.fill_bytes(&mut s);
            s
        })
        .collect();
    let mut sequencer_seed = [0u8; 32];
    rng.fill_bytes(&mut sequencer_seed);
    let keys: Vec<SigningKey> = seeds.iter().map(sign::signing_key_from_seed).collect();
    let sequencer = sign::signing_key_from_seed(&sequencer_seed);

    let mut rng = section_rng(seed, 1);
    let jcs = (0..count as usize)
        .map(|i| jcs_case(&mut rng, i))
        .collect::<Result<_>>()?;
    let mut rng = section_rng(seed, 2);
    let mut payloads = EventGenerator::new(
        rng.next_u64(),
        keys[0].clone(),
        GeneratorConfig {
            shape: PayloadShape::Mixed,
            ..Default::default()
        },
    );
    let events = (0..count as usize)
        .map(|i| event_case(&mut rng, i, &keys, &sequencer, &mut payloads))
        .collect::<Result<_>>()?;
    let mut rng = section_rng(seed, 3);
    let stream_store_ids = stream_cases(&mut rng);
    let mut rng = section_rng(seed, 4);
    let merkle = (1..=300).map(|n| tree_case(&mut rng, n)).collect();
    let mut rng = section_rng(seed, 5);
    // 24 order cases, then 24 shaped ones (every shape three times).
    let content = (0..48)
        .map(|i| content_case(&mut rng, i, &keys[0]))
        .collect::<Result<_>>()?;
    Ok(VectorsFile {
        format: "ves-vectors/1",
        generator: format!("ves {}", env!("CARGO_PKG_VERSION")),
        seed,
        count,
        keys: seeds.iter().map(key_out).collect(),
        sequencer_key: key_out(&sequencer_seed),
        jcs,
        events,
        stream_store_ids,
        merkle,
        content,
    })
}

// ---------------------------------------------------------------- seeded content

const SCENARIO_NAMES: &[&str] = &[
    "default",
    "ingest",
    "committer",
    "setup",
    "sc\u{e9}nario \u{1F600}",
    "",
];
const PURPOSES: &[&str] = &[
    "batch",
    "probe",
    "heartbeat/0",
    "seed/3",
    "heartbeat/4294967295",
];
const MAX_SAFE: u64 = (1 << 53) - 1;

fn content_case(rng: &mut ChaCha20Rng, i: usize, key: &SigningKey) -> Result<ContentCase> {
    use ves_core::content::{order_events, ContentSource, OrderBase};
    let seed = match i % 4 {
        0 => i as u64,
        1 => MAX_SAFE - below(rng, 3),
        _ => below(rng, MAX_SAFE + 1),
    };
    let scenario = SCENARIO_NAMES[i % SCENARIO_NAMES.len()].to_string();
    let purpose = PURPOSES[below(rng, PURPOSES.len() as u64) as usize].to_string();
    let iteration = match i % 3 {
        0 => below(rng, 10),
        1 => below(rng, 1 << 32),
        _ => MAX_SAFE - below(rng, 2),
    };
    use ves_core::shapes::{shape_events, Shape, SHAPE_NAMES};
    let shape: Shape = if i < 24 {
        Shape::Order
    } else {
        SHAPE_NAMES[i % SHAPE_NAMES.len()]
            .parse()
            .map_err(|e| anyhow!("internal error: {e}"))?
    };
    // Large payloads are 1 MB each: one event; every third shaped case pads to 3000 bytes.
    let count = if matches!(shape, Shape::Large | Shape::Mixed) {
        1 + u32::from(shape == Shape::Mixed) * 11
    } else {
        1 + below(rng, 5) as u32
    };
    let payload_bytes = if i >= 24 && i % 3 == 0 { 3000 } else { 0 };
    let base = OrderBase {
        tenant_id: some_uuid(rng),
        store_id: some_uuid(rng),
        agent_id: some_uuid(rng),
        agent_key_id: 1 + below(rng, 1000) as u32,
        created_at: random_created_at(rng),
    };
    let source = ContentSource::new(seed, &scenario, &purpose, iteration);
    let mut unsigned = order_events(&source, count, &base);
    shape_events(
        &mut unsigned,
        shape,
        &ContentSource::new(seed, &scenario, "payload", iteration),
        payload_bytes,
    );
    let envelopes = unsigned
        .into_iter()
        .map(|e| e.sign(key))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("internal error: content case {i}: {e}"))?;
    Ok(ContentCase {
        shape: shape.name(),
        payload_bytes,
        blocks: (0..count)
            .map(|k| [hex(&source.block(k, 0)), hex(&source.block(k, 1))])
            .collect(),
        event_signing_hashes: envelopes.iter().map(|e| hex(&e.signing_hash())).collect(),
        envelopes,
        seed,
        scenario,
        purpose,
        iteration,
        tenant_id: base.tenant_id,
        store_id: base.store_id,
        agent_id: base.agent_id,
        agent_key_id: base.agent_key_id,
        created_at: base.created_at,
    })
}

// ---------------------------------------------------------------- JCS cases

/// Number texts that parsers must agree on, each exactly representable or a shortest form.
const SPECIAL_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "0.0",
    "1.0",
    "100.0",
    "1e21",
    "1E21",
    "1e+21",
    "1e20",
    "1e-7",
    "1E-7",
    "1e-6",
    "0.000001",
    "5e-324",
    "-5e-324",
    "0.30000000000000004",
    "9007199254740991",
    "9007199254740992",
    "9007199254740993",
    "-9007199254740993",
    "18446744073709551615",
    "-9223372036854775808",
    "1.7976931348623157e308",
    "2.2250738585072014E-308",
    "99.99",
    "4.35",
    "123456789",
    "1e2",
    "2.5E+3",
    "-1.5e-10",
    "333333333.3333333",
];

/// Keys whose UTF-16 order differs from their UTF-8 and code-point order.
const ORDER_KEYS: &[&str] = &[
    "",
    "A",
    "a",
    "Z",
    "z",
    "ä",
    "é",
    "e\u{301}",
    "😀",
    "𝄞",
    "\u{E000}",
    "\u{FF61}",
    "\u{FFFD}",
    "\u{D7FF}",
    "\u{10FFFF}",
    "\u{80}",
    "\u{7F}",
    "1",
    "10",
    "2",
    "aa",
    "ab",
    "\u{2028}",
    "\t",
    "\u{1}",
    "日本",
    "\u{FEFF}",
];

/// Writes a JSON value as text with random, valid variation: whitespace, escapes for any
/// character, and equivalent number spellings. Parsing the text gives back the same value.
struct TextWriter<'a, R: RngCore> {
    rng: &'a mut R,
    out: String,
}

impl<R: RngCore> TextWriter<'_, R> {
    fn ws(&mut self) {
        if below(self.rng, 5) < 3 {
            return;
        }
        for _ in 0..=below(self.rng, 2) {
            self.out
                .push([' ', '\n', '\t', '\r', ' '][below(self.rng, 5) as usize]);
        }
    }

    fn hex4(&mut self, unit: u16) {
        let s = format!("\\u{unit:04x}");
        if below(self.rng, 2) == 0 {
            self.out.push_str(&s);
        } else {
            self.out.push_str(&s.to_uppercase().replace("\\U", "\\u"));
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for ch in s.chars() {
            match ch {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' if below(self.rng, 2) == 0 => {
                    self.out.push_str(match ch {
                        '\u{8}' => "\\b",
                        '\u{c}' => "\\f",
                        '\n' => "\\n",
                        '\r' => "\\r",
                        _ => "\\t",
                    })
                }
                c if (c as u32) < 0x20 => self.hex4(c as u16),
                '/' if below(self.rng, 4) == 0 => self.out.push_str("\\/"),
                c if below(self.rng, 6) == 0 => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        let u = *u;
                        self.hex4(u);
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn number(&mut self, n: &Number) {
        let text = n.to_string();
        let variant = if n.is_f64() {
            let mut t = text.clone();
            if below(self.rng, 2) == 0 {
                t = t.replace('e', "E");
            }
            if below(self.rng, 3) == 0 && !t.contains("e-") && !t.contains("E-") {
                t = t.replacen('e', "e+", 1).replacen('E', "E+", 1);
            }
            t
        } else {
            let small = n.as_i64().is_some_and(|x| x.unsigned_abs() < (1 << 53));
            if small && below(self.rng, 6) == 0 {
                format!("{text}.0")
            } else {
                text.clone()
            }
        };
        // Only spellings that every correct parser reads as the same double.
        let same = match (variant.parse::<f64>(), n.as_f64()) {
            (Ok(a), Some(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        };
        self.out.push_str(if same { &variant } else { &text });
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push('[');
                self.ws();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                        self.ws();
                    }
                    self.value(item);
                    self.ws();
                }
                self.out.push(']');
            }
            Value::Object(map) => {
                self.out.push('{');
                self.ws();
                for (i, (k, item)) in map.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                        self.ws();
                    }
                    self.string(k);
                    self.ws();
                    self.out.push(':');
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                self.out.push('}');
            }
        }
    }
}

fn to_text(rng: &mut impl RngCore, v: &Value) -> String {
    let mut w = TextWriter {
        rng,
        out: String::new(),
    };
    w.ws();
    w.value(v);
    w.ws();
    w.out
}

/// An object of special number literals, written as text directly (not via a parsed value).
fn numbers_text(rng: &mut impl RngCore) -> String {
    let mut out = String::from("{");
    let n = 2 + below(rng, 7);
    for i in 0..n {
        if i > 0 {
            out.push_str(if below(rng, 2) == 0 { "," } else { ", " });
        }
        let lit = SPECIAL_NUMBERS[below(rng, SPECIAL_NUMBERS.len() as u64) as usize];
        if below(rng, 4) == 0 {
            let a = SPECIAL_NUMBERS[below(rng, SPECIAL_NUMBERS.len() as u64) as usize];
            out.push_str(&format!("\"n{i}\":[{lit},\n {a}]"));
        } else {
            out.push_str(&format!("\"n{i}\": {lit}"));
        }
    }
    out.push('}');
    out
}

fn order_value(rng: &mut impl RngCore) -> Value {
    let mut map = serde_json::Map::new();
    for _ in 0..(3 + below(rng, 8)) {
        let mut k = String::new();
        for _ in 0..(1 + below(rng, 2)) {
            k.push_str(ORDER_KEYS[below(rng, ORDER_KEYS.len() as u64) as usize]);
        }
        map.insert(k, edge_value(rng, 1));
    }
    Value::Object(map)
}

fn deep_value(rng: &mut impl RngCore) -> Value {
    let mut v = edge_value(rng, 1);
    for i in 0..(20 + below(rng, 80)) {
        v = if (i + below(rng, 2)) % 2 == 0 {
            Value::Array(vec![v])
        } else {
            let mut m = serde_json::Map::new();
            m.insert(
                ORDER_KEYS[below(rng, ORDER_KEYS.len() as u64) as usize].into(),
                v,
            );
            Value::Object(m)
        };
    }
    v
}

fn jcs_case(rng: &mut ChaCha20Rng, i: usize) -> Result<JcsCase> {
    let (flavor, value) = match i % 6 {
        0 => ("edge-object", edge_payload(rng)),
        1 => ("edge-value", edge_value(rng, 4)),
        2 => ("numbers", Value::Null),
        3 => ("utf16-key-order", order_value(rng)),
        4 => ("deep-nesting", deep_value(rng)),
        _ => {
            let mut m = serde_json::Map::new();
            m.insert("edge".into(), edge_payload(rng));
            m.insert("order".into(), order_value(rng));
            ("mixed", Value::Object(m))
        }
    };
    let input_json = if flavor == "numbers" {
        numbers_text(rng)
    } else {
        to_text(rng, &value)
    };
    let canon = jcs::canonicalize_text(&input_json)
        .map_err(|e| anyhow!("internal error: generated jcs case {i} does not parse: {e}"))?;
    Ok(JcsCase {
        name: format!("{flavor}-{i:05}"),
        jcs_utf8_hex: hex(canon.as_bytes()),
        payload_plain_hash: hex(&hash::payload_plain_hash_from_jcs(&canon)),
        jcs: canon,
        input_json,
    })
}

// ---------------------------------------------------------------- event cases

/// Pieces of entity strings: ASCII, non-ASCII of 2, 3 and 4 UTF-8 bytes, escapes.
const PIECES: &[&str] = &[
    "order",
    "inventory_item",
    "-",
    ".",
    "_",
    "ORD-",
    "0042",
    "é",
    "ü",
    "Ω",
    "日本",
    "語",
    "😀",
    "𝄞",
    "\u{E000}",
    "\u{FF61}",
    "e\u{301}",
    " ",
    "\t",
    "\u{2028}",
    "\"",
    "\\",
    "/",
];

/// A non-empty string of at most `max` bytes; sometimes exactly `max` or exactly 1.
fn entity_string(rng: &mut impl RngCore, max: usize) -> String {
    let target = match below(rng, 6) {
        0 => 1,
        1 => max,
        _ => 1 + below(rng, 40.min(max as u64)) as usize,
    };
    let mut s = String::new();
    while s.len() < target {
        let piece = PIECES[below(rng, PIECES.len() as u64) as usize];
        if s.len() + piece.len() <= target {
            s.push_str(piece);
        } else {
            s.push('x');
        }
    }
    s
}

fn some_uuid(rng: &mut impl RngCore) -> Uuid {
    if below(rng, 10) == 0 {
        Uuid::nil()
    } else {
        random_uuid_v4(rng)
    }
}

fn sequence_number(rng: &mut impl RngCore) -> u64 {
    match below(rng, 10) {
        0..=2 => 1 + below(rng, 1000),
        3 => u64::from(u32::MAX) - 2 + below(rng, 5),
        4 | 5 => (1 << 32) + below(rng, 1 << 40),
        6 => (1 << 53) - 1 - below(rng, 3),
        _ => 1 + below(rng, (1 << 53) - 1),
    }
}

fn event_case(
    rng: &mut ChaCha20Rng,
    i: usize,
    keys: &[SigningKey],
    sequencer: &SigningKey,
    payloads: &mut EventGenerator,
) -> Result<EventCase> {
    let key_index = below(rng, keys.len() as u64) as usize;
    let payload = loop {
        let p = match below(rng, 10) {
            0..=5 => edge_payload(rng),
            6 | 7 => edge_value(rng, 3),
            _ => payloads.next_unsigned(0, String::new()).payload,
        };
        // JSON null counts as an absent payload on the server: not a plaintext event.
        if !p.is_null() {
            break p;
        }
    };
    let created_at = if below(rng, 8) == 0 {
        [
            "2025-01-01T00:00:00.000Z",
            "2025-12-20T17:51:10.243Z",
            "1970-01-01T00:00:00Z",
        ][below(rng, 3) as usize]
            .to_string()
    } else {
        random_created_at(rng)
    };
    let agent_key_id = match below(rng, 5) {
        0 | 1 => 1,
        2 => u32::MAX,
        3 => 1 + below(rng, 1000) as u32,
        _ => rng.next_u32().max(1),
    };
    let unsigned = UnsignedEvent {
        event_id: random_uuid_v4(rng),
        tenant_id: some_uuid(rng),
        store_id: some_uuid(rng),
        source_agent_id: some_uuid(rng),
        agent_key_id,
        entity_type: entity_string(rng, limits::ENTITY_TYPE_MAX_BYTES),
        entity_id: entity_string(rng, limits::ENTITY_ID_MAX_BYTES),
        event_type: entity_string(rng, limits::EVENT_TYPE_MAX_BYTES),
        created_at,
        payload,
    };
    let env = unsigned
        .sign(&keys[key_index])
        .map_err(|e| anyhow!("internal error: event case {i}: {e}"))?;
    for check in [
        env.check_field_lengths(),
        env.check_created_at(),
        env.check_no_nul(),
    ] {
        check.map_err(|e| anyhow!("internal error: event case {i} is not a valid event: {e}"))?;
    }
    let seq = sequence_number(rng);
    let signing_hash = env.signing_hash();
    let receipt = hash::receipt_hash(
        &env.tenant_id,
        &env.store_id,
        &env.event_id,
        seq,
        &signing_hash,
    );
    let leaf = hash::leaf_hash(
        &env.tenant_id,
        &env.store_id,
        seq,
        &signing_hash,
        &env.agent_signature,
    );
    Ok(EventCase {
        key_index,
        payload_jcs: env.payload_jcs().map_err(|e| anyhow!("{e}"))?,
        payload_plain_hash: hex(&env.payload_plain_hash),
        signing_preimage_hex: hex(&env.signing_preimage()),
        event_signing_hash: hex(&signing_hash),
        agent_signature: hex(&env.agent_signature),
        sequence_number: seq,
        receipt_hash: hex(&receipt),
        sequencer_signature: hex(&sign::sign_hash(sequencer, &receipt)),
        leaf_hash: hex(&leaf),
        envelope: env,
    })
}

// ---------------------------------------------------------------- streams and trees

fn stream_cases(rng: &mut ChaCha20Rng) -> Vec<StreamCase> {
    let mut bases = vec![Uuid::nil()];
    bases.extend((0..4).map(|_| random_uuid_v4(rng)));
    let mut out = Vec::new();
    for base in bases {
        let random = rng.next_u32();
        for index in [0, 1, 2, 3, 7, 100, 1 << 31, u32::MAX, random] {
            out.push(StreamCase {
                store_id: base,
                index,
                derived: stream_store_id(&base, index),
            });
        }
    }
    out
}

fn tree_case(rng: &mut ChaCha20Rng, n: u64) -> TreeCase {
    let leaves: Vec<[u8; 32]> = (0..n)
        .map(|_| {
            let mut l = [0u8; 32];
            rng.fill_bytes(&mut l);
            l
        })
        .collect();
    let tree = MerkleTree::new(leaves.clone());
    let mut indices: Vec<u64> = if n <= 16 {
        (0..n).collect()
    } else {
        vec![0, 1, n / 2, n - 2, n - 1]
    };
    if n > 16 {
        while indices.len() < 8 {
            let i = below(rng, n);
            if !indices.contains(&i) {
                indices.push(i);
            }
        }
    }
    let proofs = indices
        .iter()
        .filter_map(|&i| tree.proof(i).map(|p| (i, p)))
        .map(|(i, p)| ProofCase {
            leaf_index: i,
            leaf_hash: hex(&leaves[i as usize]),
            proof_path: p.proof_path.iter().map(|h| hex(h)).collect(),
            directions: p.directions.unwrap_or_default(),
        })
        .collect();
    let target = below(rng, n);
    let noise = rng.next_u64();
    let mutations = mutation::mutations(&tree, target, noise)
        .into_iter()
        .map(|m| MutationCase {
            kind: m.kind,
            leaf_hash: hex(&m.leaf),
            proof: m.proof,
            merkle_root: hex(&m.root),
            must_fail: m.rejected_by.iter().map(|m| m.name()).collect(),
            must_pass: m.accepted_by.iter().map(|m| m.name()).collect(),
        })
        .collect();
    TreeCase {
        leaf_count: n,
        padded_leaf_count: tree.padded_leaf_count(),
        tree_depth: tree.depth(),
        leaves: leaves.iter().map(|l| hex(l)).collect(),
        merkle_root: hex(&tree.root()),
        proofs,
        mutations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_variants_parse_to_the_same_value() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for _ in 0..300 {
            let v = edge_payload(&mut rng);
            let text = to_text(&mut rng, &v);
            assert_eq!(
                jcs::canonicalize_text(&text).unwrap(),
                jcs::canonicalize(&v).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn entity_strings_respect_the_byte_limits() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let mut hit_max = false;
        for _ in 0..500 {
            let s = entity_string(&mut rng, 128);
            assert!(!s.is_empty() && s.len() <= 128, "{}", s.len());
            hit_max |= s.len() == 128;
        }
        assert!(hit_max);
    }

    #[test]
    fn small_counts_still_cover_every_tree_size() {
        let f = build(3, 6).unwrap();
        assert_eq!(f.merkle.len(), 300);
        assert_eq!((f.jcs.len(), f.events.len()), (6, 6));
    }
}
