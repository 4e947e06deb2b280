//! Mutations of valid proofs and the verdict every inclusion-proof verifier must give on each
//! (docs/VECTORS.md). One table, used by the property tests here and by `ves vectors`, which
//! hands the same cases to other implementations (the k6 library's `checkInclusion`).

use crate::hash::{Hash, PAD_LEAF};
use crate::merkle::{InclusionProof, MerkleTree};

/// What a case is verified against (`must_fail` / `must_pass` in `ves vectors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `{merkle_root, leaf_count, padded_leaf_count, tree_depth}` ([`crate::Anchor::Tree`]).
    Commitment,
    /// The bare `merkle_root` ([`crate::Anchor::Root`]).
    Root,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Commitment => "commitment",
            Mode::Root => "root",
        }
    }
}

/// One tampered (leaf, proof, root) triple, and the verdict every verifier must give in each
/// mode: rejected in `rejected_by`, accepted in `accepted_by` (every mode is in one of them).
#[derive(Debug, Clone)]
pub struct Mutation {
    pub kind: &'static str,
    pub leaf: Hash,
    pub proof: InclusionProof,
    pub root: Hash,
    pub rejected_by: &'static [Mode],
    pub accepted_by: &'static [Mode],
}

pub const KINDS: &[&str] = &[
    "flip_leaf_bit",
    "flip_root_bit",
    "flip_sibling_bit",
    "wrong_index",
    "flip_direction",
    "extra_sibling",
    "missing_sibling",
    "pad_leaf_beyond_count",
    "drop_directions",
    "short_directions",
];

const BOTH: &[Mode] = &[Mode::Commitment, Mode::Root];

/// (rejected by, accepted by) for a kind; `None` for an unknown kind. Two kinds pin the rules
/// where the modes differ: a pad leaf's correct path (only `leaf_count` tells it apart) and a
/// proof without `directions` (they follow from `leaf_index` when the tree is known).
pub fn verdicts(kind: &str) -> Option<(&'static [Mode], &'static [Mode])> {
    match kind {
        "pad_leaf_beyond_count" => Some((&[Mode::Commitment], &[Mode::Root])),
        "drop_directions" => Some((&[Mode::Root], &[Mode::Commitment])),
        k if KINDS.contains(&k) => Some((BOTH, &[])),
        _ => None,
    }
}

/// The directions of a proof built by the tree (always present).
fn dirs(p: &mut InclusionProof) -> &mut Vec<bool> {
    p.directions.get_or_insert_with(Vec::new)
}

fn flip(h: &Hash, bit: u32) -> Hash {
    let mut out = *h;
    out[(bit / 8) as usize % 32] ^= 1 << (bit % 8);
    out
}

/// The applicable mutations of the valid proof of `index` in `tree`. `noise` picks which bit
/// or level is changed, so that callers can vary it.
pub fn mutations(tree: &MerkleTree, index: u64, noise: u64) -> Vec<Mutation> {
    let Some(valid) = tree.proof(index) else {
        return Vec::new();
    };
    let leaf = tree.levels()[0][index as usize];
    let root = tree.root();
    let depth = valid.proof_path.len();
    let bit = (noise % 256) as u32;
    let level = if depth == 0 {
        0
    } else {
        (noise as usize / 256) % depth
    };
    let case = |kind, leaf, proof, root| {
        let (rejected_by, accepted_by) = verdicts(kind).unwrap_or((BOTH, &[]));
        Mutation {
            kind,
            leaf,
            proof,
            root,
            rejected_by,
            accepted_by,
        }
    };
    let mut out = vec![
        case("flip_leaf_bit", flip(&leaf, bit), valid.clone(), root),
        case("flip_root_bit", leaf, valid.clone(), flip(&root, bit)),
    ];
    let wrong = if tree.leaf_count() == 1 {
        index + 1
    } else {
        index ^ 1
    };
    out.push(case(
        "wrong_index",
        leaf,
        InclusionProof {
            leaf_index: wrong,
            ..valid.clone()
        },
        root,
    ));
    let mut extra = valid.clone();
    extra.proof_path.push(flip(&leaf, bit));
    dirs(&mut extra).push((index >> depth) & 1 == 0);
    out.push(case("extra_sibling", leaf, extra, root));
    out.push(case(
        "drop_directions",
        leaf,
        InclusionProof {
            directions: None,
            ..valid.clone()
        },
        root,
    ));
    if depth > 0 {
        let mut p = valid.clone();
        p.proof_path[level] = flip(&p.proof_path[level], bit);
        out.push(case("flip_sibling_bit", leaf, p, root));
        let mut p = valid.clone();
        let d = dirs(&mut p);
        d[level] = !d[level];
        out.push(case("flip_direction", leaf, p, root));
        let mut p = valid.clone();
        p.proof_path.pop();
        dirs(&mut p).pop();
        out.push(case("missing_sibling", leaf, p, root));
        let mut p = valid.clone();
        dirs(&mut p).pop();
        out.push(case("short_directions", leaf, p, root));
    }
    if tree.leaf_count() < tree.padded_leaf_count() {
        out.push(case(
            "pad_leaf_beyond_count",
            PAD_LEAF,
            tree.path_for(tree.leaf_count()),
            root,
        ));
    }
    out
}
