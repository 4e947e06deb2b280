//! The catalogue of properties (`spec/catalogue.json`, format in `spec/README.md`): data only,
//! embedded here and opened by `load/sequencer_spec.js`, so that both runners read one source.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The catalogue as shipped.
pub const CATALOGUE_JSON: &str = include_str!("../../../../../spec/catalogue.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub format: String,
    #[allow(dead_code)]
    pub about: String,
    pub event_defaults: EventDefaults,
    pub classes: Vec<Class>,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDefaults {
    pub entity_type: String,
    pub entity_id: String,
    pub event_type: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Class {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "INFO")]
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Info => "INFO",
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub doc: String,
    pub line: usize,
    pub quote: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    pub id: String,
    pub class: String,
    pub level: Level,
    pub title: String,
    pub source: Source,
    #[serde(default)]
    pub events: BTreeMap<String, EventSpec>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub observe: Option<Observe>,
}

/// How one event of a property is built (spec/README.md, "Events").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub tenant: Option<String>,
    pub store: Option<String>,
    pub agent: Option<String>,
    pub signer: Option<String>,
    pub key_id: Option<u32>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub event_type: Option<String>,
    pub created_at: Option<String>,
    pub payload: Option<Value>,
    pub payload_text: Option<String>,
    pub id_of: Option<String>,
    #[serde(default)]
    pub signed_as: SignedAs,
    #[serde(default)]
    pub set: SetFields,
    #[serde(default)]
    pub raw: BTreeMap<String, String>,
    #[serde(default)]
    pub omit: Vec<String>,
    #[serde(default)]
    pub flip: Vec<String>,
    #[serde(default)]
    pub spelling: Spelling,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedAs {
    pub created_at: Option<String>,
    pub payload: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetFields {
    pub ves_version: Option<u32>,
    pub payload_cipher_hash: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spelling {
    pub hex: Option<String>,
    pub layout: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: Option<String>,
    pub request: RequestSpec,
    #[serde(default)]
    pub expect: Expect,
    pub skip_when: Option<SkipWhen>,
    pub why: Option<String>,
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

/// A request: a shorthand (`ingest`, `head`, `commit`, `proof`) or method, path and body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub ingest: Option<Vec<String>>,
    pub agent: Option<String>,
    pub parallel: Option<u32>,
    pub head: Option<String>,
    pub commit: Option<[u64; 2]>,
    pub proof: Option<u64>,
    pub batch: Option<String>,
    pub store: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub body: Option<String>,
    pub headers: Option<Vec<[String; 2]>>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Statuses>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub json: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<[Option<u64>; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipts: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub events: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_hashes: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_signatures: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_fields: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commitment: Option<CommitmentExpect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_batch_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofExpect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrent: Option<String>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Statuses {
    One(u16),
    Any(Vec<u16>),
}

impl Statuses {
    pub fn contains(&self, s: u16) -> bool {
        match self {
            Statuses::One(x) => *x == s,
            Statuses::Any(v) => v.contains(&s),
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentExpect {
    pub events: Vec<String>,
    pub prev: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProofExpect {
    pub event: String,
    pub commitment: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipWhen {
    pub status: Option<Vec<u16>>,
    #[serde(default)]
    pub json: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    pub status: u16,
    pub why_none: String,
}

impl Step {
    /// The name a later step refers to: `name`, or `s<N>` (1-based).
    pub fn label(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("s{}", index + 1))
    }
}

/// The shipped catalogue, parsed.
pub fn shipped() -> anyhow::Result<Catalogue> {
    parse(CATALOGUE_JSON)
}

pub fn parse(text: &str) -> anyhow::Result<Catalogue> {
    let c: Catalogue =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("spec/catalogue.json: {e}"))?;
    if c.format != "ves-spec/1" {
        anyhow::bail!(
            "spec/catalogue.json: format {:?}, expected \"ves-spec/1\"",
            c.format
        );
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    use sha2::{Digest, Sha256};

    use super::*;

    fn spec_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec")
    }

    #[test]
    fn the_catalogue_has_enough_properties_in_enough_classes() {
        let c = shipped().unwrap();
        assert!(
            c.properties.len() >= 60,
            "{} properties",
            c.properties.len()
        );
        let mut per_class: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &c.properties {
            assert!(
                c.classes.iter().any(|k| k.id == p.class),
                "{}: unknown class {}",
                p.id,
                p.class
            );
            assert!(
                p.id.starts_with(&format!("{}.", p.class)),
                "{}: the id must start with its class",
                p.id
            );
            *per_class.entry(p.class.as_str()).or_default() += 1;
        }
        assert!(per_class.len() >= 8, "{per_class:?}");
        assert_eq!(
            per_class.len(),
            c.classes.len(),
            "a class without properties: {per_class:?}"
        );
        for (class, n) in &per_class {
            assert!(*n >= 4, "class {class} has {n} properties, fewer than 4");
        }
        let ids: BTreeSet<&str> = c.properties.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), c.properties.len(), "duplicate property ids");
    }

    /// Each property cites a line of the project's copy of VES_V1.md or LIVE_OBSERVED.md, and
    /// the quote is on that line; the copies are the shared files, byte for byte (MANIFEST).
    #[test]
    fn every_source_quote_is_on_its_line() {
        let dir = spec_dir().join("sources");
        let manifest = std::fs::read_to_string(dir.join("MANIFEST")).unwrap();
        let mut docs = BTreeMap::new();
        for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
            let (sum, name) = line.split_once("  ").unwrap();
            let bytes = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(
                hex::encode(Sha256::digest(&bytes)),
                sum,
                "spec/sources/{name} differs from its MANIFEST digest"
            );
            docs.insert(name.to_string(), String::from_utf8(bytes).unwrap());
        }
        let c = shipped().unwrap();
        for p in &c.properties {
            let s = &p.source;
            let doc = docs
                .get(&s.doc)
                .unwrap_or_else(|| panic!("{}: source {} is not in spec/sources", p.id, s.doc));
            let line = doc
                .lines()
                .nth(s.line.wrapping_sub(1))
                .unwrap_or_else(|| panic!("{}: {} has no line {}", p.id, s.doc, s.line));
            assert!(
                line.contains(&s.quote),
                "{}: {}:{} does not say {:?}; it says {:?}",
                p.id,
                s.doc,
                s.line,
                s.quote,
                line
            );
        }
    }

    /// Names a step uses exist: events, earlier steps, captures.
    #[test]
    fn every_reference_resolves() {
        let c = shipped().unwrap();
        for p in &c.properties {
            assert!(
                p.observe.is_some() == p.steps.is_empty(),
                "{}: either steps or observe",
                p.id
            );
            let mut labels: BTreeSet<String> = BTreeSet::new();
            let mut captures: BTreeSet<String> = BTreeSet::new();
            let event = |n: &str, what: &str| {
                assert!(p.events.contains_key(n), "{} {what}: no event {n:?}", p.id)
            };
            for (i, s) in p.steps.iter().enumerate() {
                for n in s.request.ingest.iter().flatten() {
                    event(n, "ingest");
                }
                let texts = [s.request.path.clone(), s.request.body.clone()];
                for t in texts.iter().flatten() {
                    for part in t.split("{{").skip(1) {
                        let inner = part.split("}}").next().unwrap();
                        if let Some(n) = inner.strip_prefix("event:") {
                            event(n.split('*').next().unwrap(), "body");
                        }
                        if let Some(n) = inner.strip_prefix("capture:") {
                            assert!(
                                captures.contains(n),
                                "{} step {}: capture {n} is not made by an earlier step",
                                p.id,
                                i + 1
                            );
                        }
                    }
                }
                if let Some(b) = &s.request.batch {
                    assert!(
                        captures.contains(b),
                        "{} step {}: batch {b} is not captured earlier",
                        p.id,
                        i + 1
                    );
                }
                for (n, outcome) in &s.expect.events {
                    event(n, "expect.events");
                    if let Some(step) = outcome.strip_prefix("replay:") {
                        assert!(
                            labels.contains(step),
                            "{}: replay of unknown step {step}",
                            p.id
                        );
                    }
                    let kind = outcome.split(':').next().unwrap();
                    assert!(
                        ["accepted", "refused", "replay", "rejected"].contains(&kind),
                        "{}: outcome {outcome}",
                        p.id
                    );
                }
                for n in s.expect.messages.keys() {
                    event(n, "expect.messages");
                }
                if let Some(cm) = &s.expect.commitment {
                    cm.events.iter().for_each(|n| event(n, "commitment"));
                    assert!(
                        cm.prev == "zero" || labels.contains(&cm.prev),
                        "{}: prev {}",
                        p.id,
                        cm.prev
                    );
                }
                if let Some(pr) = &s.expect.proof {
                    event(&pr.event, "proof");
                    assert!(
                        labels.contains(&pr.commitment),
                        "{}: commitment {}",
                        p.id,
                        pr.commitment
                    );
                }
                if let Some(step) = &s.expect.same_batch_as {
                    assert!(labels.contains(step), "{}: same_batch_as {step}", p.id);
                }
                if s.skip_when.is_some() {
                    assert!(s.why.is_some(), "{}: a skip_when needs a why", p.id);
                }
                captures.extend(s.capture.keys().cloned());
                assert!(
                    labels.insert(s.label(i)),
                    "{}: two steps named {}",
                    p.id,
                    s.label(i)
                );
            }
        }
    }
}
