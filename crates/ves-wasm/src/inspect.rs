//! The proof inspector's report: the verdict of `check::check_inclusion` plus every step of the
//! walk from the leaf to the root, and the first place where the walk departs from what the
//! inputs pin down. Only the leaf, the padded siblings (their hashes follow from `leaf_count`)
//! and the root are known without the rest of the tree, so those are the places checked.

use serde::{Deserialize, Serialize};
use ves_core::hash::{leaf_hash, node_hash};
use ves_core::hexfmt::encode;
use ves_core::{Hash, PAD_LEAF};

use crate::check::{self, AnchorInput, CommitmentHead};
use crate::error::{from_json, Error, Result};
use crate::input;

/// What the page hands over: the proof (as `GET /api/v1/ves/proofs/{seq}` returns it) and,
/// optionally, the commitment or a bare root, and the leaf's event.
#[derive(Debug, Deserialize)]
pub struct InspectInput {
    pub proof: serde_json::Value,
    #[serde(default)]
    pub commitment: Option<serde_json::Value>,
    #[serde(default)]
    pub root: Option<String>,
    #[serde(default)]
    pub event: Option<EventRef>,
}

/// The leaf's event: its signing hash and agent signature.
#[derive(Debug, Deserialize)]
pub struct EventRef {
    #[serde(alias = "event_signing_hash")]
    pub signing_hash: String,
    #[serde(alias = "agent_signature")]
    pub signature: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub ok: bool,
    /// "ok" or the core's reason.
    pub reason: String,
    pub leaf_index: u64,
    pub sequence_number: Option<u64>,
    pub leaf: LeafReport,
    /// "commitment", "root" or "proof" (the proof's own merkle_root: self-consistency only).
    pub root_source: &'static str,
    pub expected_root: String,
    pub computed_root: Option<String>,
    pub leaf_count: Option<u64>,
    pub padded_leaf_count: Option<u64>,
    pub levels: Vec<Level>,
    pub departs: Option<Departure>,
}

#[derive(Debug, Serialize)]
pub struct LeafReport {
    /// The leaf the walk starts from.
    pub hash: String,
    /// "event" (rebuilt from the event and commitment) or "proof" (the proof's leaf_hash).
    pub source: &'static str,
    pub proof_leaf_hash: Option<String>,
    /// Whether the leaf is a pad leaf slot (index >= leaf_count).
    pub padded: bool,
}

#[derive(Debug, Serialize)]
pub struct Level {
    pub level: usize,
    /// Index of the running node within this level.
    pub index: u64,
    /// "left" or "right": the running node's side (bit `level` of leaf_index).
    pub position: &'static str,
    pub direction_given: Option<bool>,
    pub direction_ok: bool,
    pub sibling: String,
    pub sibling_index: u64,
    /// "none", "some" or "all": how much of the sibling's subtree is padding.
    pub sibling_padding: &'static str,
    /// The sibling's hash when its subtree is all padding.
    pub pad_expected: Option<String>,
    pub sibling_ok: bool,
    /// The parent computed from the running node and the sibling.
    pub computed: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Departure {
    /// "leaf", a level number, "root" or "shape" (a count or length check before the walk).
    pub at: serde_json::Value,
    pub why: String,
}

/// Builds the report from the page's JSON input.
pub fn inspect(input_json: &str) -> Result<Report> {
    let input: InspectInput = from_json(input_json, "inspector input")?;
    let proof_text = input.proof.to_string();
    let proof = check::proof(&proof_text)?;
    let head: Option<CommitmentHead> = match &input.commitment {
        Some(c) => Some(from_json(&c.to_string(), "commitment")?),
        None => None,
    };
    let index = proof.core.leaf_index;
    let seq = proof.extras.sequence_number.or_else(|| {
        head.as_ref()
            .and_then(|h| h.sequence_start)
            .and_then(|s| s.checked_add(index))
    });

    let proof_leaf = match &proof.extras.leaf_hash {
        Some(h) => Some(input::hash(h, "proof leaf_hash")?),
        None => None,
    };
    let (leaf, source) = match &input.event {
        Some(ev) => (event_leaf(ev, head.as_ref(), seq)?, "event"),
        None => (
            proof_leaf.ok_or_else(|| {
                Error::Input("the proof has no leaf_hash: give the leaf's event (signing hash and signature) and the commitment".into())
            })?,
            "proof",
        ),
    };

    let (expected_root, root_source) = if let Some(h) = &head {
        (
            input::hash(&h.merkle_root, "commitment merkle_root")?,
            "commitment",
        )
    } else if let Some(r) = &input.root {
        (input::hash(r, "root")?, "root")
    } else if let Some(r) = &proof.extras.merkle_root {
        (input::hash(r, "proof merkle_root")?, "proof")
    } else {
        return Err(Error::Input(
            "no root to check against: give the commitment, a root, or a proof with merkle_root"
                .into(),
        ));
    };

    let root_hex = encode(&expected_root);
    let verdict = match &input.commitment {
        Some(c) => check::check_inclusion(
            &proof_text,
            &encode(&leaf),
            AnchorInput::Commitment(&c.to_string()),
        ),
        None => check::check_inclusion(&proof_text, &encode(&leaf), AnchorInput::Root(&root_hex)),
    };

    let leaf_count = head.as_ref().map(|h| h.leaf_count);
    let (levels, computed) = walk(&proof_text, leaf, index, leaf_count)?;
    let mut departs = None;
    if let (Some(p), "event") = (proof_leaf, source) {
        if p != leaf {
            departs = Some(Departure {
                at: "leaf".into(),
                why: "the leaf rebuilt from the event differs from the proof's leaf_hash".into(),
            });
        }
    }
    if departs.is_none() {
        departs = levels
            .iter()
            .find(|l| !l.direction_ok || !l.sibling_ok)
            .map(|l| Departure {
                at: l.level.into(),
                why: if !l.direction_ok {
                    format!(
                        "directions[{}] disagrees with bit {} of leaf_index {index}",
                        l.level, l.level
                    )
                } else if l.pad_expected.is_some() {
                    format!(
                        "the sibling covers only padding, so it must be {}",
                        l.pad_expected.as_deref().unwrap_or("")
                    )
                } else {
                    "the sibling is not 32 bytes of hex".into()
                },
            });
    }
    if departs.is_none() && computed.as_ref().is_some_and(|c| c != &expected_root) {
        departs = Some(Departure {
            at: "root".into(),
            why: "the computed root differs from the expected root; without the other leaves no lower level can be singled out".into(),
        });
    }
    if departs.is_none() {
        if let Err(e) = &verdict {
            departs = Some(Departure {
                at: "shape".into(),
                why: e.to_string(),
            });
        }
    }
    Ok(Report {
        ok: verdict.is_ok(),
        reason: verdict
            .err()
            .map_or_else(|| "ok".to_string(), |e| e.to_string()),
        leaf_index: index,
        sequence_number: seq,
        leaf: LeafReport {
            hash: encode(&leaf),
            source,
            proof_leaf_hash: proof_leaf.map(|h| encode(&h)),
            padded: leaf_count.is_some_and(|n| index >= n),
        },
        root_source,
        expected_root: root_hex,
        computed_root: computed.map(|c| encode(&c)),
        leaf_count,
        padded_leaf_count: leaf_count.and_then(u64::checked_next_power_of_two),
        levels,
        departs,
    })
}

fn event_leaf(ev: &EventRef, head: Option<&CommitmentHead>, seq: Option<u64>) -> Result<Hash> {
    let missing = || {
        Error::Input("to rebuild the leaf from the event, the commitment (tenant_id, store_id, sequence_start) or the proof's sequence_number is needed".into())
    };
    let head = head.ok_or_else(missing)?;
    let (Some(tenant), Some(store), Some(seq)) = (head.tenant_id, head.store_id, seq) else {
        return Err(missing());
    };
    Ok(leaf_hash(
        &tenant,
        &store,
        seq,
        &input::hash(&ev.signing_hash, "event signing hash")?,
        &input::signature(&ev.signature, "event signature")?,
    ))
}

/// Raw sibling strings, so that a malformed one is shown rather than refused while parsing.
#[derive(Deserialize)]
struct RawPath {
    proof_path: Vec<String>,
    #[serde(default)]
    directions: Option<Vec<bool>>,
}

fn walk(
    proof_text: &str,
    leaf: Hash,
    index: u64,
    leaf_count: Option<u64>,
) -> Result<(Vec<Level>, Option<Hash>)> {
    let raw: RawPath = from_json(proof_text, "proof")?;
    let mut pad = PAD_LEAF;
    let mut cur = Some(leaf);
    let mut levels = Vec::with_capacity(raw.proof_path.len());
    for (d, sibling_hex) in raw.proof_path.iter().enumerate() {
        let node = index.checked_shr(d as u32).unwrap_or(0);
        let left = node & 1 == 0;
        let given = raw.directions.as_ref().and_then(|v| v.get(d).copied());
        let sib_index = node ^ 1;
        let padding = leaf_count.map_or("none", |n| subtree_padding(sib_index, d, n));
        let sibling = input::hash(sibling_hex, "sibling").ok();
        let pad_expected = (padding == "all").then(|| encode(&pad));
        let sibling_ok = match sibling {
            Some(s) => padding != "all" || s == pad,
            None => false,
        };
        cur = match (cur, sibling) {
            (Some(c), Some(s)) => Some(if left {
                node_hash(&c, &s)
            } else {
                node_hash(&s, &c)
            }),
            _ => None,
        };
        levels.push(Level {
            level: d,
            index: node,
            position: if left { "left" } else { "right" },
            direction_given: given,
            direction_ok: given.map_or(true, |g| g == left),
            sibling: sibling_hex.clone(),
            sibling_index: sib_index,
            sibling_padding: padding,
            pad_expected,
            sibling_ok,
            computed: cur.map(|c| encode(&c)),
        });
        pad = node_hash(&pad, &pad);
    }
    Ok((levels, cur))
}

/// How much of the subtree `index` at `level` (leaves `index << level ..`) lies past `leaf_count`.
fn subtree_padding(index: u64, level: usize, leaf_count: u64) -> &'static str {
    let first = index.checked_shl(level as u32).unwrap_or(u64::MAX);
    let end = (index + 1).checked_shl(level as u32).unwrap_or(u64::MAX);
    if first >= leaf_count {
        "all"
    } else if end > leaf_count {
        "some"
    } else {
        "none"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ves_core::MerkleTree;

    fn input(tamper: impl Fn(&mut serde_json::Value)) -> String {
        let leaves: Vec<Hash> = (1..=5u8).map(|i| [i; 32]).collect();
        let tree = MerkleTree::new(leaves.clone());
        let mut proof = serde_json::to_value(tree.proof(1).unwrap()).unwrap();
        proof["leaf_hash"] = encode(&leaves[1]).into();
        tamper(&mut proof);
        serde_json::json!({
            "proof": proof,
            "commitment": {"merkle_root": encode(&tree.root()), "leaf_count": 5, "tree_depth": 3, "padded_leaf_count": 8},
        })
        .to_string()
    }

    #[test]
    fn a_valid_proof_has_one_level_per_depth_and_marks_the_padding() {
        let r = inspect(&input(|_| {})).unwrap();
        assert!(r.ok, "{}", r.reason);
        assert_eq!(r.levels.len(), 3);
        assert_eq!(
            r.levels
                .iter()
                .map(|l| l.sibling_padding)
                .collect::<Vec<_>>(),
            ["none", "none", "some"]
        );
        assert_eq!(r.computed_root.as_deref(), Some(r.expected_root.as_str()));
        assert!(r.departs.is_none());
    }

    #[test]
    fn a_tampered_sibling_departs_at_the_root_and_a_swapped_direction_at_its_level() {
        let r = inspect(&input(|p| p["proof_path"][1] = "00".repeat(32).into())).unwrap();
        assert!(!r.ok);
        assert_eq!(r.departs.unwrap().at, "root");
        let r = inspect(&input(|p| p["directions"][2] = false.into())).unwrap();
        assert_eq!(
            r.reason,
            "inclusion proof rejected: directions[2] disagrees with bit 2 of leaf_index 1"
        );
        assert_eq!(r.departs.unwrap().at, 2);
    }

    #[test]
    fn padding_of_subtrees() {
        assert_eq!(subtree_padding(5, 0, 5), "all");
        assert_eq!(subtree_padding(2, 1, 5), "some");
        assert_eq!(subtree_padding(1, 2, 5), "some");
        assert_eq!(subtree_padding(3, 1, 5), "all");
        assert_eq!(subtree_padding(0, 2, 5), "none");
    }
}
