//! Mutations every inclusion-proof verifier must reject (docs/VECTORS.md). One table, used by
//! the property tests here and by `ves vectors`, which hands the same cases to other
//! implementations.

use crate::hash::{Hash, PAD_LEAF};
use crate::merkle::{InclusionProof, MerkleTree};

/// One tampered (leaf, proof, root) triple.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub kind: &'static str,
    pub leaf: Hash,
    pub proof: InclusionProof,
    pub root: Hash,
    /// false when only a verifier that knows `leaf_count` can tell (a pad leaf's path).
    pub fails_with_bare_root: bool,
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
];

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
    let case = |kind, leaf, proof, root| Mutation {
        kind,
        leaf,
        proof,
        root,
        fails_with_bare_root: true,
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
    extra.directions.push((index >> depth) & 1 == 0);
    out.push(case("extra_sibling", leaf, extra, root));
    if depth > 0 {
        let mut p = valid.clone();
        p.proof_path[level] = flip(&p.proof_path[level], bit);
        out.push(case("flip_sibling_bit", leaf, p, root));
        let mut p = valid.clone();
        p.directions[level] = !p.directions[level];
        out.push(case("flip_direction", leaf, p, root));
        let mut p = valid.clone();
        p.proof_path.pop();
        p.directions.pop();
        out.push(case("missing_sibling", leaf, p, root));
    }
    if tree.leaf_count() < tree.padded_leaf_count() {
        out.push(Mutation {
            kind: "pad_leaf_beyond_count",
            leaf: PAD_LEAF,
            proof: tree.path_for(tree.leaf_count()),
            root,
            fails_with_bare_root: false,
        });
    }
    out
}
