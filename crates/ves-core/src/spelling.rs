//! How an ingest request body is spelled: the one canonical spelling that the k6 library
//! (js/spelling.js), `ves presign` and `ves signer` all write, and the `varied` spellings that
//! test whether a sequencer treats every legal JSON spelling of the same signed events alike.
//!
//! A real sequencer compares a re-sent payload with its stored copy as parsed JSON values after
//! a PostgreSQL JSONB round trip, where `7` and `7.0` differ (LIVE_OBSERVED.md section 10), so
//! the bytes a generator writes matter, not only the values: every generator writes the same.
//!
//! **Canonical** (`SPELLING=canonical`, the default):
//! - `{"agentId":…,"events":[…]}`, compact, `agentId` first;
//! - each envelope's keys in this order: `ves_version, event_id, tenant_id, store_id,
//!   source_agent_id, agent_key_id, entity_type, entity_id, event_type, created_at,
//!   payload_kind, payload, payload_plain_hash, payload_cipher_hash, agent_signature` (then
//!   `command_id`, `base_version` when set), hashes and signature as `0x` + lowercase hex;
//! - the payload as its RFC 8785 text (keys in UTF-16 order, numbers as ECMAScript writes them);
//! - strings escaped as `JSON.stringify` escapes them (`\"`, `\\`, `\b \f \n \r \t`, other
//!   controls as lowercase `\u00xx`), and **every non-ASCII UTF-16 code unit as a lowercase
//!   `\uxxxx` escape**, so the whole body is ASCII. Measured in k6 (docs/REPLAY.md, "One
//!   spelling", scripts/bench-spelling.sh): posting a 100-event order body costs k6 about
//!   2.7 ms of CPU when the body holds any non-ASCII character (k6 keeps it as UTF-16 and
//!   converts it on every post) and 0.44 ms when it is ASCII, while escaping it in JavaScript
//!   costs about 1.4 ms; bodies from `ves signer` and corpora arrive ASCII.
//!
//! **Varied** (`SPELLING=varied`): the same values in another legal spelling, chosen from the
//! content slot's `spelling` purpose (js/content.js) and an attempt number (0 for a first send,
//! 1, 2, … for re-sends). Event `i` draws from a xorshift32 seeded by bytes 0..4 of block
//! `(i, attempt)` (`| 1`, never 0), the wrapper from block `(u32::MAX, attempt)`; `draw(n)` is
//! `next() % n`. Every draw, in writing order:
//! - whitespace, each from `WS = ["", "", "", "", "", " ", "\t", "  "]` (never a newline:
//!   corpus shards hold one body per line): for each object entry one `w = draw(512)` spells it
//!   before the key (`WS[w & 7]`), before the `:` (`WS[(w >> 3) & 7]`) and after it
//!   (`WS[(w >> 6) & 7]`); before each array item and each closing bracket `WS[draw(8)]`;
//! - the wrapper's keys: `events` first when `draw(2) == 1`; an envelope's keys shuffled
//!   (Fisher-Yates from the last place down, swapping place `j` with `draw(j + 1)`); payload
//!   objects keep the UTF-16 order;
//! - in strings (keys included): `/` as `\/` when `draw(2) == 1`; `\b \f \n \r \t` as `\u00xx`
//!   when `draw(2) == 1`; other controls with uppercase hex when `draw(2) == 1`; a non-ASCII
//!   character raw (0), escaped lowercase (1) or escaped uppercase (2) by `draw(3)`;
//! - payload numbers (envelope numbers are typed integers on the server and stay as they are):
//!   zero as `["0", "0.0", "-0.0", "-0", "0e0", "0E+0"][draw(6)]`; any other number `x` with the
//!   ECMAScript digits `D` (k of them) and point position `n` (`x = 0.D × 10^n`) as one of, by
//!   `draw(count)`: its canonical text; `d.ddde±x` (scientific); `De±x` (integer mantissa);
//!   `N.0` when whole and below 1e21; the canonical text plus a trailing `0` when it is a
//!   fraction without exponent. The exponent forms then draw `E` (1) or `e` (0), and for an
//!   exponent ≥ 0 a `+` (1) or nothing (0).
//!
//! The payload hash and the signature are always over the canonical payload (its RFC 8785
//! text): a correct sequencer accepts every spelling, and answers a re-spelled re-send with the
//! original receipt.

use serde_json::{Number, Value};

use crate::content::{block_u32, ContentSource};
use crate::envelope::EventEnvelope;
use crate::hexfmt;

/// The spelling of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spelling {
    #[default]
    Canonical,
    Varied,
}

impl Spelling {
    pub fn name(self) -> &'static str {
        match self {
            Spelling::Canonical => "canonical",
            Spelling::Varied => "varied",
        }
    }
}

impl std::str::FromStr for Spelling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "canonical" => Ok(Spelling::Canonical),
            "varied" => Ok(Spelling::Varied),
            _ => Err(format!("expected canonical or varied, found {s:?}")),
        }
    }
}

/// The content purpose whose blocks choose a varied spelling.
pub const SPELLING_PURPOSE: &str = "spelling";

/// The envelope's keys in canonical order (`command_id`, `base_version` follow when set).
pub const ENVELOPE_KEYS: [&str; 15] = [
    "ves_version",
    "event_id",
    "tenant_id",
    "store_id",
    "source_agent_id",
    "agent_key_id",
    "entity_type",
    "entity_id",
    "event_type",
    "created_at",
    "payload_kind",
    "payload",
    "payload_plain_hash",
    "payload_cipher_hash",
    "agent_signature",
];

const ZERO_HASH_0X: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// What a body holds of one signed event. Ids are written as given (the signer echoes what the
/// scenario sent); hashes and the signature as bare lowercase hex, written with `0x`.
#[derive(Debug, Clone)]
pub struct BodyEvent<'a> {
    pub event_id: &'a str,
    pub tenant_id: &'a str,
    pub store_id: &'a str,
    pub source_agent_id: &'a str,
    pub agent_key_id: u32,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub event_type: &'a str,
    pub created_at: &'a str,
    pub payload: &'a Value,
    /// The payload's RFC 8785 text (raw UTF-8), what its hash is over.
    pub payload_jcs: &'a str,
    pub payload_plain_hash_hex: &'a str,
    pub agent_signature_hex: &'a str,
    pub command_id: Option<&'a str>,
    pub base_version: Option<u64>,
}

/// The canonical body of `events`.
pub fn canonical_body(agent_id: &str, events: &[BodyEvent<'_>]) -> String {
    let mut out = String::with_capacity(64 + events.len() * 800);
    out.push_str("{\"agentId\":");
    push_canonical_string(&mut out, agent_id);
    out.push_str(",\"events\":[");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_canonical_event(&mut out, e);
    }
    out.push_str("]}");
    out
}

/// One envelope in the canonical spelling.
pub fn write_canonical_event(out: &mut String, e: &BodyEvent<'_>) {
    use std::fmt::Write;
    out.push_str("{\"ves_version\":1,\"event_id\":");
    push_canonical_string(out, e.event_id);
    out.push_str(",\"tenant_id\":");
    push_canonical_string(out, e.tenant_id);
    out.push_str(",\"store_id\":");
    push_canonical_string(out, e.store_id);
    out.push_str(",\"source_agent_id\":");
    push_canonical_string(out, e.source_agent_id);
    // Writing to a String cannot fail.
    let _ = write!(out, ",\"agent_key_id\":{}", e.agent_key_id);
    out.push_str(",\"entity_type\":");
    push_canonical_string(out, e.entity_type);
    out.push_str(",\"entity_id\":");
    push_canonical_string(out, e.entity_id);
    out.push_str(",\"event_type\":");
    push_canonical_string(out, e.event_type);
    out.push_str(",\"created_at\":");
    push_canonical_string(out, e.created_at);
    out.push_str(",\"payload_kind\":0,\"payload\":");
    push_ascii(out, e.payload_jcs);
    let _ = write!(
        out,
        ",\"payload_plain_hash\":\"0x{}\",\"payload_cipher_hash\":\"{ZERO_HASH_0X}\",\"agent_signature\":\"0x{}\"",
        e.payload_plain_hash_hex, e.agent_signature_hex
    );
    if let Some(c) = e.command_id {
        out.push_str(",\"command_id\":");
        push_canonical_string(out, c);
    }
    if let Some(v) = e.base_version {
        let _ = write!(out, ",\"base_version\":{v}");
    }
    out.push('}');
}

/// The body of signed plaintext envelopes, each beside its payload's RFC 8785 text, in
/// `spelling`; a varied spelling draws from `source` (the slot's `spelling` purpose) and
/// `attempt`.
pub fn envelopes_body(
    agent_id: &str,
    signed: &[(EventEnvelope, String)],
    spelling: Spelling,
    source: &ContentSource,
    attempt: u32,
) -> String {
    let texts: Vec<[String; 6]> = signed
        .iter()
        .map(|(e, _)| {
            [
                e.event_id.to_string(),
                e.tenant_id.to_string(),
                e.store_id.to_string(),
                e.source_agent_id.to_string(),
                hexfmt::encode(&e.payload_plain_hash),
                hexfmt::encode(&e.agent_signature),
            ]
        })
        .collect();
    let command_ids: Vec<Option<String>> = signed
        .iter()
        .map(|(e, _)| e.command_id.map(|c| c.to_string()))
        .collect();
    let events: Vec<BodyEvent<'_>> = signed
        .iter()
        .zip(&texts)
        .zip(&command_ids)
        .map(|(((e, jcs), t), command_id)| BodyEvent {
            event_id: &t[0],
            tenant_id: &t[1],
            store_id: &t[2],
            source_agent_id: &t[3],
            agent_key_id: e.agent_key_id,
            entity_type: &e.entity_type,
            entity_id: &e.entity_id,
            event_type: &e.event_type,
            created_at: &e.created_at,
            payload: e.payload.as_ref().unwrap_or(&Value::Null),
            payload_jcs: jcs,
            payload_plain_hash_hex: &t[4],
            agent_signature_hex: &t[5],
            command_id: command_id.as_deref(),
            base_version: e.base_version,
        })
        .collect();
    match spelling {
        Spelling::Canonical => canonical_body(agent_id, &events),
        Spelling::Varied => varied_body(agent_id, &events, source, attempt),
    }
}

/// A JSON string in the canonical spelling: `JSON.stringify`'s escapes, non-ASCII as `\uxxxx`.
pub fn push_canonical_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => push_escape(out, c as u32, false),
            c if c.is_ascii() => out.push(c),
            c => push_utf16_escapes(out, c, false),
        }
    }
    out.push('"');
}

/// JSON text with every non-ASCII character written as `\uxxxx` escapes (a surrogate pair
/// beyond the BMP). Outside strings JSON is ASCII, so only string contents change and the text
/// parses to the same value.
pub fn push_ascii(out: &mut String, json: &str) {
    if json.is_ascii() {
        out.push_str(json);
        return;
    }
    for ch in json.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            push_utf16_escapes(out, ch, false);
        }
    }
}

/// [`push_ascii`] into a new string.
pub fn to_ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    push_ascii(&mut out, json);
    out
}

fn push_escape(out: &mut String, unit: u32, upper: bool) {
    use std::fmt::Write;
    let _ = if upper {
        write!(out, "\\u{unit:04X}")
    } else {
        write!(out, "\\u{unit:04x}")
    };
}

fn push_utf16_escapes(out: &mut String, ch: char, upper: bool) {
    let mut units = [0u16; 2];
    for unit in ch.encode_utf16(&mut units) {
        push_escape(out, u32::from(*unit), upper);
    }
}

/// The xorshift32 generator of varied spellings (module docs).
#[derive(Debug, Clone)]
pub struct Xorshift32(u32);

impl Xorshift32 {
    /// Seeded by bytes 0..4 of a content block (never 0).
    pub fn from_block(block: &[u8; 32]) -> Self {
        Xorshift32(block_u32(block, 0) | 1)
    }

    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A choice among `n` (n ≥ 1).
    pub fn draw(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }
}

/// The body of `events` spelled by the varied rule from `source` (the slot's `spelling`
/// purpose) and `attempt`.
pub fn varied_body(
    agent_id: &str,
    events: &[BodyEvent<'_>],
    source: &ContentSource,
    attempt: u32,
) -> String {
    let mut out = String::with_capacity(64 + events.len() * 900);
    let mut w = Speller::new(&source.block(u32::MAX, attempt));
    let events_first = w.rng.draw(2) == 1;
    out.push('{');
    for k in 0..2 {
        if k > 0 {
            out.push(',');
        }
        let agent = (k == 0) != events_first;
        w.entry(&mut out, |_, out| {
            out.push_str(if agent { "\"agentId\"" } else { "\"events\"" })
        });
        if agent {
            w.string(&mut out, agent_id);
        } else {
            out.push('[');
            for (i, e) in events.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                w.ws(&mut out);
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                Speller::new(&source.block(index, attempt)).event(&mut out, e);
            }
            w.ws(&mut out);
            out.push(']');
        }
    }
    w.ws(&mut out);
    out.push('}');
    out
}

/// Writes values in a varied spelling, drawing from its generator in writing order.
pub struct Speller {
    rng: Xorshift32,
}

const WHITESPACE: [&str; 8] = ["", "", "", "", "", " ", "\t", "  "];
const ZERO_SPELLINGS: [&str; 6] = ["0", "0.0", "-0.0", "-0", "0e0", "0E+0"];

impl Speller {
    pub fn new(block: &[u8; 32]) -> Self {
        Speller {
            rng: Xorshift32::from_block(block),
        }
    }

    fn ws(&mut self, out: &mut String) {
        out.push_str(WHITESPACE[self.rng.draw(8) as usize]);
    }

    /// An object entry's key with its whitespace: one draw of 512 for the three places.
    fn entry(&mut self, out: &mut String, key: impl FnOnce(&mut Self, &mut String)) {
        let w = self.rng.draw(512) as usize;
        out.push_str(WHITESPACE[w & 7]);
        key(self, out);
        out.push_str(WHITESPACE[(w >> 3) & 7]);
        out.push(':');
        out.push_str(WHITESPACE[(w >> 6) & 7]);
    }

    /// One envelope: keys shuffled, strings and payload varied.
    pub fn event(&mut self, out: &mut String, e: &BodyEvent<'_>) {
        let mut keys: Vec<&str> = ENVELOPE_KEYS.to_vec();
        if e.command_id.is_some() {
            keys.push("command_id");
        }
        if e.base_version.is_some() {
            keys.push("base_version");
        }
        for j in (1..keys.len()).rev() {
            let k = self.rng.draw(j as u32 + 1) as usize;
            keys.swap(j, k);
        }
        out.push('{');
        for (idx, key) in keys.iter().enumerate() {
            if idx > 0 {
                out.push(',');
            }
            self.entry(out, |_, out| {
                out.push('"');
                out.push_str(key);
                out.push('"');
            });
            match *key {
                "ves_version" => out.push('1'),
                "payload_kind" => out.push('0'),
                "agent_key_id" => out.push_str(&e.agent_key_id.to_string()),
                "base_version" => out.push_str(&e.base_version.unwrap_or(0).to_string()),
                "payload" => self.value(out, e.payload),
                "payload_plain_hash" => {
                    self.string(out, &format!("0x{}", e.payload_plain_hash_hex))
                }
                "payload_cipher_hash" => self.string(out, ZERO_HASH_0X),
                "agent_signature" => self.string(out, &format!("0x{}", e.agent_signature_hex)),
                other => {
                    let s = match other {
                        "event_id" => e.event_id,
                        "tenant_id" => e.tenant_id,
                        "store_id" => e.store_id,
                        "source_agent_id" => e.source_agent_id,
                        "entity_type" => e.entity_type,
                        "entity_id" => e.entity_id,
                        "event_type" => e.event_type,
                        "created_at" => e.created_at,
                        _ => e.command_id.unwrap_or_default(),
                    };
                    self.string(out, s);
                }
            }
        }
        self.ws(out);
        out.push('}');
    }

    /// A payload value: objects in UTF-16 key order (RFC 8785), everything else varied.
    pub fn value(&mut self, out: &mut String, v: &Value) {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.number(out, n),
            Value::String(s) => self.string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.value(out, item);
                }
                self.ws(out);
                out.push(']');
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                out.push('{');
                for (idx, (k, item)) in entries.into_iter().enumerate() {
                    if idx > 0 {
                        out.push(',');
                    }
                    self.entry(out, |s, out| s.string(out, k));
                    self.value(out, item);
                }
                self.ws(out);
                out.push('}');
            }
        }
    }

    /// A string: the same characters, escapes chosen by the generator.
    pub fn string(&mut self, out: &mut String, s: &str) {
        out.push('"');
        for ch in s.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' => out.push_str(if self.rng.draw(2) == 1 { "\\/" } else { "/" }),
                '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => {
                    if self.rng.draw(2) == 1 {
                        push_escape(out, ch as u32, false);
                    } else {
                        out.push_str(match ch {
                            '\u{8}' => "\\b",
                            '\u{c}' => "\\f",
                            '\n' => "\\n",
                            '\r' => "\\r",
                            _ => "\\t",
                        });
                    }
                }
                c if (c as u32) < 0x20 => push_escape(out, c as u32, self.rng.draw(2) == 1),
                c if c.is_ascii() => out.push(c),
                c => match self.rng.draw(3) {
                    0 => out.push(c),
                    k => push_utf16_escapes(out, c, k == 2),
                },
            }
        }
        out.push('"');
    }

    /// A number: the same double, spelled by the generator (module docs).
    pub fn number(&mut self, out: &mut String, n: &Number) {
        let canonical = number_text(n);
        let (negative, magnitude) = match canonical.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, canonical.as_str()),
        };
        if magnitude == "0" {
            out.push_str(ZERO_SPELLINGS[self.rng.draw(6) as usize]);
            return;
        }
        let (digits, point) = decompose(magnitude);
        let k = digits.len() as i64;
        let whole = k <= point;
        let mut kinds = vec![
            NumberKind::Canonical,
            NumberKind::Scientific,
            NumberKind::IntegerMantissa,
        ];
        if whole && point <= 21 {
            kinds.push(NumberKind::WholeDotZero);
        }
        if !whole && !magnitude.contains('e') {
            kinds.push(NumberKind::TrailingZero);
        }
        let kind = kinds[self.rng.draw(kinds.len() as u32) as usize];
        if negative {
            out.push('-');
        }
        match kind {
            NumberKind::Canonical => out.push_str(magnitude),
            NumberKind::TrailingZero => {
                out.push_str(magnitude);
                out.push('0');
            }
            NumberKind::WholeDotZero => {
                out.push_str(&digits);
                out.push_str(&"0".repeat((point - k) as usize));
                out.push_str(".0");
            }
            NumberKind::Scientific => {
                out.push_str(&digits[..1]);
                if k > 1 {
                    out.push('.');
                    out.push_str(&digits[1..]);
                }
                self.exponent(out, point - 1);
            }
            NumberKind::IntegerMantissa => {
                out.push_str(&digits);
                self.exponent(out, point - k);
            }
        }
    }

    fn exponent(&mut self, out: &mut String, e: i64) {
        out.push(if self.rng.draw(2) == 1 { 'E' } else { 'e' });
        if e >= 0 {
            if self.rng.draw(2) == 1 {
                out.push('+');
            }
        } else {
            out.push('-');
        }
        out.push_str(&e.unsigned_abs().to_string());
    }
}

#[derive(Debug, Clone, Copy)]
enum NumberKind {
    Canonical,
    Scientific,
    IntegerMantissa,
    WholeDotZero,
    TrailingZero,
}

/// The RFC 8785 text of a number: ECMAScript's Number::toString of its double.
pub fn number_text(n: &Number) -> String {
    serde_json_canonicalizer::to_string(&Value::Number(n.clone())).unwrap_or_else(|_| "0".into())
}

/// The significant digits of a positive ECMAScript number text and the position of the decimal
/// point: `x = 0.digits × 10^point` (`1.5e-7` → ("15", -6); `120` → ("12", 3)).
pub fn decompose(text: &str) -> (String, i64) {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let trimmed = all.trim_start_matches('0');
    let lead = (all.len() - trimmed.len()) as i64;
    let digits = trimmed.trim_end_matches('0').to_string();
    (digits, int.len() as i64 + exponent - lead)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event<'a>(payload: &'a Value, jcs: &'a str) -> BodyEvent<'a> {
        BodyEvent {
            event_id: "11111111-1111-4111-8111-111111111111",
            tenant_id: "00000000-0000-0000-0000-000000000000",
            store_id: "00000000-0000-0000-0000-000000000000",
            source_agent_id: "00000000-0000-0000-0000-000000000000",
            agent_key_id: 7,
            entity_type: "order/é",
            entity_id: "o-1",
            event_type: "order.created",
            created_at: "2025-01-01T00:00:00.000Z",
            payload,
            payload_jcs: jcs,
            payload_plain_hash_hex: "ab",
            agent_signature_hex: "cd",
            command_id: None,
            base_version: None,
        }
    }

    #[test]
    fn canonical_is_ascii_in_the_library_order() {
        let p = json!({"b": "café ✓ 😀", "a": [0.0, 7, -1.5e-7]});
        let jcs = crate::jcs::canonicalize(&p).unwrap();
        let body = canonical_body("00000000-0000-0000-0000-000000000000", &[event(&p, &jcs)]);
        assert!(body.is_ascii(), "{body}");
        assert!(body.starts_with(r#"{"agentId":"00000000-0000-0000-0000-000000000000","events":[{"ves_version":1,"event_id":"11111111"#));
        assert!(body.contains(r#""entity_type":"order/\u00e9""#), "{body}");
        assert!(
            body.contains(r#""payload":{"a":[0,7,-1.5e-7],"b":"caf\u00e9 \u2713 \ud83d\ude00"}"#),
            "{body}"
        );
        let back: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(back["events"][0]["payload"]["b"], "café ✓ 😀");
    }

    #[test]
    fn decompose_finds_digits_and_point() {
        assert_eq!(decompose("1.5e-7"), ("15".into(), -6));
        assert_eq!(decompose("120"), ("12".into(), 3));
        assert_eq!(decompose("0.00123"), ("123".into(), -2));
        assert_eq!(decompose("1e+21"), ("1".into(), 22));
        assert_eq!(decompose("123.456"), ("123456".into(), 3));
    }

    #[test]
    fn varied_spellings_parse_to_the_same_values_and_canonical_text() {
        let p = json!({
            "z": [0, -0.0, 7, 1e16, 1.2e17, -5.238102448364384e18, 0.1, 5e-324, 1.7976931348623157e308,
                  9007199254740992u64, 1e21, 123456789.12345678, -1.5627794062122189e-302],
            "s": "a/b \"q\" \\ \n\t\u{1} é 😀 日本",
            "😀#0": {"k": [true, false, null, {}, []]}
        });
        let jcs = crate::jcs::canonicalize(&p).unwrap();
        let source = ContentSource::new(1, "default", SPELLING_PURPOSE, 0);
        let canonical = canonical_body("00000000-0000-0000-0000-000000000000", &[event(&p, &jcs)]);
        let mut seen = std::collections::HashSet::new();
        for attempt in 0..200 {
            let body = varied_body(
                "00000000-0000-0000-0000-000000000000",
                &[event(&p, &jcs)],
                &source,
                attempt,
            );
            assert!(!body.contains('\n'), "{body}");
            let a: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
            let b: Value = serde_json::from_str(&canonical).unwrap();
            assert_eq!(
                crate::jcs::canonicalize(&a).unwrap(),
                crate::jcs::canonicalize(&b).unwrap(),
                "{body}"
            );
            seen.insert(body);
        }
        assert!(
            seen.len() > 190,
            "attempts should spell differently: {}",
            seen.len()
        );
    }

    #[test]
    fn every_number_form_occurs() {
        let mut s = Speller::new(&[9u8; 32]);
        let mut forms = std::collections::HashSet::new();
        for _ in 0..400 {
            for n in [json!(1e16), json!(0.0), json!(7), json!(0.25)] {
                let mut out = String::new();
                s.value(&mut out, &n);
                forms.insert(out);
            }
        }
        for want in [
            "1e16",
            "1E+16",
            "10000000000000000.0",
            "10000000000000000",
            "0.0",
            "-0.0",
            "7.0",
            "7e0",
            "0.250",
            "2.5e-1",
            "25E-2",
        ] {
            assert!(forms.contains(want), "{want} not in {forms:?}");
        }
    }
}
