//! The VES Merkle tree (VES_V1.md §8.2, §9): leaves padded to the next power of two with
//! `PAD_LEAF`, nodes `H("VES_NODE_V1" || left || right)`, one leaf is its own root, no leaves
//! give 32 zero bytes. Verification checks bounds and lengths before hashing; the upstream
//! pseudo-code forgets both, and without `leaf_count` a pad leaf would "prove" (see tests).

use serde::{Deserialize, Serialize};

use crate::error::ProofError;
use crate::hash::{node_hash, Hash, PAD_LEAF, ZERO_HASH};
use crate::hexfmt::serde_hex;

/// A whole tree, every level kept, so that any proof can be read off it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[0]` are the padded leaves, the last level is `[root]`.
    levels: Vec<Vec<Hash>>,
    leaf_count: usize,
}

impl MerkleTree {
    /// The tree over `leaves`, padded with [`PAD_LEAF`] to the next power of two.
    ///
    /// ```
    /// use ves_core::merkle::{verify_inclusion, Anchor, MerkleTree};
    /// use ves_core::{hexfmt, PAD_LEAF};
    ///
    /// // The KAT's `merkle_generic` vectors: leaves 0x0101…, 0x0202…, …
    /// let leaves: Vec<[u8; 32]> = (1..=5u8).map(|i| [i; 32]).collect();
    /// let three = MerkleTree::new(leaves[..3].to_vec());
    /// assert_eq!(
    ///     hexfmt::encode(&three.root()),
    ///     "b273075c5260995967a3e717440e9e12c103e1e500da892e0e100c629314bcbe"
    /// );
    /// let five = MerkleTree::new(leaves.clone());
    /// assert_eq!((five.leaf_count(), five.padded_leaf_count(), five.depth()), (5, 8, 3));
    /// assert_eq!(
    ///     hexfmt::encode(&five.root()),
    ///     "16ffa07750ff1edd7f23eae647b13057f0b7c6e13f1c8b99798c60bc869090e4"
    /// );
    /// // Leaf 4's first sibling is the first pad leaf; its proof verifies.
    /// let proof = five.proof(4).unwrap();
    /// assert_eq!(proof.proof_path[0], PAD_LEAF);
    /// verify_inclusion(&proof, &leaves[4], Anchor::Tree(&five.head())).unwrap();
    /// ```
    pub fn new(leaves: Vec<Hash>) -> Self {
        let leaf_count = leaves.len();
        let mut level = leaves;
        level.resize(leaf_count.max(1).next_power_of_two(), PAD_LEAF);
        let mut levels = vec![level];
        while levels[levels.len() - 1].len() > 1 {
            let next = levels[levels.len() - 1]
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(next);
        }
        MerkleTree { levels, leaf_count }
    }

    pub fn root(&self) -> Hash {
        if self.leaf_count == 0 {
            return ZERO_HASH;
        }
        self.levels[self.levels.len() - 1][0]
    }

    pub fn leaf_count(&self) -> u64 {
        self.leaf_count as u64
    }

    pub fn padded_leaf_count(&self) -> u64 {
        self.levels[0].len() as u64
    }

    pub fn depth(&self) -> u32 {
        (self.levels.len() - 1) as u32
    }

    pub fn levels(&self) -> &[Vec<Hash>] {
        &self.levels
    }

    /// What a commitment of this tree says about it: root, leaf count, depth.
    pub fn head(&self) -> TreeHead {
        TreeHead {
            merkle_root: self.root(),
            leaf_count: self.leaf_count(),
            tree_depth: self.depth(),
        }
    }

    /// The proof for a real leaf (`index < leaf_count`), in the server's form.
    pub fn proof(&self, index: u64) -> Option<InclusionProof> {
        (index < self.leaf_count()).then(|| self.path_for(index))
    }

    /// Any position of the padded tree, pad leaves included. For tests of verifiers.
    pub fn path_for(&self, index: u64) -> InclusionProof {
        let mut i = index as usize;
        let mut proof_path = Vec::with_capacity(self.levels.len());
        let mut directions = Vec::with_capacity(self.levels.len());
        for level in &self.levels[..self.levels.len() - 1] {
            proof_path.push(level[i ^ 1]);
            directions.push(i & 1 == 0);
            i >>= 1;
        }
        InclusionProof {
            leaf_index: index,
            proof_path,
            directions: Some(directions),
        }
    }
}

/// The root over `leaves` without keeping the levels.
pub fn merkle_root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return ZERO_HASH;
    }
    let mut level = leaves.to_vec();
    level.resize(leaves.len().next_power_of_two(), PAD_LEAF);
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|p| node_hash(&p[0], &p[1]))
            .collect();
    }
    level[0]
}

/// An inclusion proof as the server writes it: siblings bottom-up, `directions[d]` true when
/// the running node is the left child at level d.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub leaf_index: u64,
    #[serde(with = "serde_hex::bare_vec")]
    pub proof_path: Vec<Hash>,
    /// Absent (`None`, also for JSON `null`) is allowed against a commitment, where the
    /// directions follow from `leaf_index`; a bare root needs them (see [`verify_inclusion`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directions: Option<Vec<bool>>,
}

/// The longest path a verifier accepts: a `u64` index addresses at most 2^64 leaves.
pub const MAX_DEPTH: usize = 64;

/// What a proof is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Anchor<'a> {
    /// A commitment: its root, leaf count and depth (see `Commitment::tree_head`).
    Tree(&'a TreeHead),
    /// A bare root: the depth is taken from the proof, so a pad leaf cannot be told apart.
    Root(&'a Hash),
}

/// The part of a commitment that a proof is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    pub merkle_root: Hash,
    pub leaf_count: u64,
    pub tree_depth: u32,
}

impl TreeHead {
    /// Builds a head from a leaf count and the `padded_leaf_count` / `tree_depth` fields: at
    /// least one is required (a commitment carries them), and they must agree with each other
    /// and with the count.
    pub fn new(
        merkle_root: Hash,
        leaf_count: u64,
        padded_leaf_count: Option<u64>,
        tree_depth: Option<u32>,
    ) -> Result<Self, ProofError> {
        if leaf_count == 0 {
            return Err(ProofError::BadCommitment("leaf_count is 0".into()));
        }
        if padded_leaf_count.is_none() && tree_depth.is_none() {
            return Err(ProofError::BadCommitment(
                "needs tree_depth or padded_leaf_count".into(),
            ));
        }
        let padded = leaf_count.checked_next_power_of_two().ok_or_else(|| {
            ProofError::BadCommitment(format!("leaf_count {leaf_count} is too large"))
        })?;
        let depth = padded.trailing_zeros();
        if let Some(p) = padded_leaf_count {
            if p != padded {
                return Err(ProofError::BadCommitment(format!(
                    "padded_leaf_count {p} is not the next power of two of leaf_count {leaf_count} ({padded})"
                )));
            }
        }
        if let Some(d) = tree_depth {
            if d != depth {
                return Err(ProofError::BadCommitment(format!(
                    "tree_depth {d} does not match leaf_count {leaf_count} (depth {depth})"
                )));
            }
        }
        Ok(TreeHead {
            merkle_root,
            leaf_count,
            tree_depth: depth,
        })
    }
}

/// Checks that `leaf` is at `proof.leaf_index` of the tree behind `anchor`.
///
/// The one rule set of the kit (DESIGN.md "Proofs"; the k6 library's `checkInclusion` in
/// `js/merkle.js` applies the same, held equal by the mutation cases of `ves vectors`):
///
/// - always: at most [`MAX_DEPTH`] siblings; `directions`, when present, has one entry per
///   sibling and each agrees with the matching bit of `leaf_index`;
/// - with a commitment ([`Anchor::Tree`]): the path length equals the tree depth and
///   `leaf_index < leaf_count`; `directions` may be absent;
/// - with a bare root ([`Anchor::Root`]): `directions` is required and
///   `leaf_index < 2^len(path)`;
///
/// then the walk from the leaf must end at the root. Lengths and bounds are checked before
/// any hashing.
///
/// ```
/// use ves_core::merkle::{verify_inclusion, Anchor, MerkleTree};
/// use ves_core::ProofError;
///
/// let leaves: Vec<[u8; 32]> = (1..=5).map(|i| [i as u8; 32]).collect();
/// let tree = MerkleTree::new(leaves.clone());
/// let head = tree.head();
/// let proof = tree.proof(4).unwrap();
/// assert_eq!(verify_inclusion(&proof, &leaves[4], Anchor::Tree(&head)), Ok(()));
/// assert_eq!(verify_inclusion(&proof, &leaves[4], Anchor::Root(&tree.root())), Ok(()));
///
/// // Without directions: fine against the commitment, refused against a bare root.
/// let bare = ves_core::InclusionProof { directions: None, ..proof.clone() };
/// assert_eq!(verify_inclusion(&bare, &leaves[4], Anchor::Tree(&head)), Ok(()));
/// assert_eq!(
///     verify_inclusion(&bare, &leaves[4], Anchor::Root(&tree.root())),
///     Err(ProofError::DirectionsMissing)
/// );
/// // Another leaf at the same position does not prove.
/// assert_eq!(
///     verify_inclusion(&proof, &leaves[3], Anchor::Tree(&head)),
///     Err(ProofError::RootMismatch)
/// );
/// ```
pub fn verify_inclusion(
    proof: &InclusionProof,
    leaf: &Hash,
    anchor: Anchor<'_>,
) -> Result<(), ProofError> {
    let depth = proof.proof_path.len();
    if depth > MAX_DEPTH {
        return Err(ProofError::PathLength {
            expected: MAX_DEPTH,
            found: depth,
        });
    }
    if let Some(directions) = &proof.directions {
        if directions.len() != depth {
            return Err(ProofError::DirectionsLength {
                expected: depth,
                found: directions.len(),
            });
        }
    }
    let root = match anchor {
        Anchor::Tree(head) => {
            if depth != head.tree_depth as usize {
                return Err(ProofError::PathLength {
                    expected: head.tree_depth as usize,
                    found: depth,
                });
            }
            if proof.leaf_index >= head.leaf_count {
                return Err(ProofError::IndexOutOfRange {
                    index: proof.leaf_index,
                    leaf_count: head.leaf_count,
                });
            }
            &head.merkle_root
        }
        Anchor::Root(root) => {
            if proof.directions.is_none() {
                return Err(ProofError::DirectionsMissing);
            }
            if let Some(size) = 1u64.checked_shl(depth as u32) {
                if proof.leaf_index >= size {
                    return Err(ProofError::IndexOutOfRange {
                        index: proof.leaf_index,
                        leaf_count: size,
                    });
                }
            }
            root
        }
    };
    for (level, &left) in proof.directions.iter().flatten().enumerate() {
        if left != ((proof.leaf_index >> level) & 1 == 0) {
            return Err(ProofError::DirectionMismatch {
                level,
                index: proof.leaf_index,
            });
        }
    }
    if &walk(leaf, proof.leaf_index, &proof.proof_path) == root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Hashes from the leaf up; bit d of the index says which side the running node is on.
fn walk(leaf: &Hash, index: u64, path: &[Hash]) -> Hash {
    path.iter().enumerate().fold(*leaf, |cur, (d, sibling)| {
        if (index >> d) & 1 == 0 {
            node_hash(&cur, sibling)
        } else {
            node_hash(sibling, &cur)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (1..=n).map(|i| [i as u8; 32]).collect()
    }

    #[test]
    fn shapes() {
        assert_eq!(MerkleTree::new(vec![]).root(), ZERO_HASH);
        let one = MerkleTree::new(leaves(1));
        assert_eq!((one.root(), one.depth()), ([1u8; 32], 0));
        let five = MerkleTree::new(leaves(5));
        assert_eq!((five.padded_leaf_count(), five.depth()), (8, 3));
        assert_eq!(five.root(), merkle_root(&leaves(5)));
        assert!(five.proof(5).is_none());
    }

    #[test]
    fn a_pad_leaf_walks_to_the_root_but_is_refused_with_a_leaf_count() {
        let tree = MerkleTree::new(leaves(5));
        let pad_proof = tree.path_for(5);
        let root = tree.root();
        assert_eq!(
            verify_inclusion(&pad_proof, &PAD_LEAF, Anchor::Root(&root)),
            Ok(())
        );
        let head = TreeHead::new(root, 5, Some(8), Some(3)).unwrap();
        assert_eq!(
            verify_inclusion(&pad_proof, &PAD_LEAF, Anchor::Tree(&head)),
            Err(ProofError::IndexOutOfRange {
                index: 5,
                leaf_count: 5
            })
        );
    }

    #[test]
    fn a_path_longer_than_64_is_refused_before_hashing() {
        let proof = InclusionProof {
            leaf_index: 0,
            proof_path: vec![ZERO_HASH; 65],
            directions: Some(vec![true; 65]),
        };
        let root = ZERO_HASH;
        assert_eq!(
            verify_inclusion(&proof, &ZERO_HASH, Anchor::Root(&root)),
            Err(ProofError::PathLength {
                expected: 64,
                found: 65
            })
        );
    }

    #[test]
    fn inconsistent_commitment_fields_are_refused() {
        assert!(TreeHead::new(ZERO_HASH, 5, Some(4), None).is_err());
        assert!(TreeHead::new(ZERO_HASH, 5, None, Some(2)).is_err());
        assert!(TreeHead::new(ZERO_HASH, 0, None, Some(0)).is_err());
        assert!(TreeHead::new(ZERO_HASH, 5, None, None).is_err());
        assert!(TreeHead::new(ZERO_HASH, 5, None, Some(3)).is_ok());
    }
}
