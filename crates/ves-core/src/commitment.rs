//! VES commitments (VES_V1.md §8): the server's JSON, recomputation from leaves, and the check
//! of a chain of commitments (contiguous ranges, each `prev_state_root` equal to the previous
//! `new_state_root`, every state root recomputed).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, ProofError, Result};
use crate::hash::{self, Hash, ZERO_HASH};
use crate::hexfmt::{self, serde_hex};
use crate::merkle::{MerkleTree, TreeHead};

/// A commitment as `POST`/`GET /api/v1/ves/commitments` return it (hashes bare hex).
/// Unknown fields (`chain_id`, `anchored_at`, …) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub batch_id: Uuid,
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub ves_version: u32,
    pub tree_depth: u32,
    pub leaf_count: u64,
    pub padded_leaf_count: u64,
    #[serde(with = "serde_hex::bare")]
    pub merkle_root: Hash,
    #[serde(with = "serde_hex::bare")]
    pub prev_state_root: Hash,
    #[serde(with = "serde_hex::bare")]
    pub new_state_root: Hash,
    pub sequence_start: u64,
    pub sequence_end: u64,
    pub committed_at: String,
}

impl Commitment {
    /// The part a proof is checked against; refuses inconsistent counts.
    pub fn tree_head(&self) -> Result<TreeHead, ProofError> {
        TreeHead::new(
            self.merkle_root,
            self.leaf_count,
            Some(self.padded_leaf_count),
            Some(self.tree_depth),
        )
    }

    /// `new_state_root` recomputed from this commitment's own fields.
    pub fn expected_state_root(&self) -> Hash {
        hash::state_root(
            &hash::stream_id(&self.tenant_id, &self.store_id),
            &self.prev_state_root,
            &self.merkle_root,
            self.sequence_start,
            self.sequence_end,
            u32::try_from(self.leaf_count).unwrap_or(u32::MAX),
        )
    }
}

/// What a commitment over a range must contain, computed from the range's leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputedCommitment {
    pub tree: MerkleTree,
    pub sequence_start: u64,
    pub sequence_end: u64,
    pub prev_state_root: Hash,
    pub new_state_root: Hash,
}

/// Builds the commitment over `leaves`, the leaves of sequence numbers `sequence_start..`.
pub fn compute(
    tenant: &Uuid,
    store: &Uuid,
    sequence_start: u64,
    leaves: Vec<Hash>,
    prev_state_root: Hash,
) -> Result<ComputedCommitment> {
    let count = leaves.len() as u64;
    if count == 0 {
        return Err(Error::Chain("a commitment needs at least one event".into()));
    }
    let count32 = u32::try_from(count).map_err(|_| {
        Error::Chain(format!(
            "{count} leaves exceed the u32 leaf_count of the state root"
        ))
    })?;
    let sequence_end = sequence_start
        .checked_add(count - 1)
        .ok_or_else(|| Error::Chain("sequence range overflows u64".into()))?;
    let tree = MerkleTree::new(leaves);
    let new_state_root = hash::state_root(
        &hash::stream_id(tenant, store),
        &prev_state_root,
        &tree.root(),
        sequence_start,
        sequence_end,
        count32,
    );
    Ok(ComputedCommitment {
        tree,
        sequence_start,
        sequence_end,
        prev_state_root,
        new_state_root,
    })
}

/// Where a chain starts: at the stream's first commitment (prev root = zeros) or anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainStart {
    Genesis,
    Anywhere,
}

/// Checks commitments of one stream, in order: contiguous ranges, each `prev_state_root`
/// equal to the previous `new_state_root`, each state root recomputed from its fields.
///
/// ```
/// use uuid::Uuid;
/// use ves_core::commitment::{compute, ComputedCommitment};
/// use ves_core::{check_chain, hexfmt, ChainStart, Commitment, ZERO_HASH};
///
/// # fn record(c: &ComputedCommitment, tenant: Uuid, store: Uuid) -> Commitment {
/// #     Commitment {
/// #         batch_id: Uuid::from_u128(c.sequence_start as u128), tenant_id: tenant, store_id: store, ves_version: 1,
/// #         tree_depth: c.tree.depth(), leaf_count: c.tree.leaf_count(),
/// #         padded_leaf_count: c.tree.padded_leaf_count(), merkle_root: c.tree.root(),
/// #         prev_state_root: c.prev_state_root, new_state_root: c.new_state_root,
/// #         sequence_start: c.sequence_start, sequence_end: c.sequence_end,
/// #         committed_at: String::new(),
/// #     }
/// # }
/// let (tenant, store) = (Uuid::from_u128(1), Uuid::from_u128(2));
/// // The KAT's worked example: the stream's first commitment, over sequence numbers 1..=3.
/// let leaves = [
///     "c052fa751455e5b36e85c2cae15b143bcce91f9db9c2c30aaf7397fddef8d53b",
///     "6438f76ea61d54241db188603e651e09cf2fea0851896499353bbb702b70e5d4",
///     "f0a00d12bfdbcbf51896dc7271e25e7af9b252c3446b37eb949eaca7b33bc13a",
/// ]
/// .map(|h| hexfmt::decode_fixed::<32>(h, "leaf").unwrap());
/// let first = compute(&tenant, &store, 1, leaves.to_vec(), ZERO_HASH).unwrap();
/// assert_eq!(
///     hexfmt::encode(&first.tree.root()),
///     "dccab78902db9fe63e14fdd1d852b57d700032adc397dfdfcd62fb9d0c4c8b0b"
/// );
/// assert_eq!(
///     hexfmt::encode(&first.new_state_root),
///     "32fffbd212fe10dbca1fa26bf70680cadb750355f1605e60eb4b827c02488d30"
/// );
/// // The next commitment starts at 4 and chains on the previous state root.
/// let second = compute(&tenant, &store, 4, vec![[9u8; 32]], first.new_state_root).unwrap();
/// let chain = [record(&first, tenant, store), record(&second, tenant, store)];
/// check_chain(&chain, ChainStart::Genesis).unwrap();
/// // Without the first, the chain does not start at genesis; out of order, it is broken.
/// assert!(check_chain(&chain[1..], ChainStart::Genesis).is_err());
/// check_chain(&chain[1..], ChainStart::Anywhere).unwrap();
/// assert!(check_chain(&[chain[1].clone(), chain[0].clone()], ChainStart::Anywhere).is_err());
/// ```
pub fn check_chain(commitments: &[Commitment], start: ChainStart) -> Result<()> {
    let Some(first) = commitments.first() else {
        return Ok(());
    };
    if start == ChainStart::Genesis && first.prev_state_root != ZERO_HASH {
        return Err(Error::Chain(format!(
            "the first commitment ({}) has prev_state_root {} instead of zeros",
            first.batch_id,
            hexfmt::encode(&first.prev_state_root)
        )));
    }
    let mut prev: Option<&Commitment> = None;
    for c in commitments {
        let at = |msg: String| {
            Error::Chain(format!(
                "commitment {} [{}..={}]: {msg}",
                c.batch_id, c.sequence_start, c.sequence_end
            ))
        };
        if (c.tenant_id, c.store_id) != (first.tenant_id, first.store_id) {
            return Err(at("belongs to another stream".into()));
        }
        if c.sequence_end < c.sequence_start
            || c.leaf_count != c.sequence_end - c.sequence_start + 1
        {
            return Err(at(format!(
                "leaf_count {} does not match the range",
                c.leaf_count
            )));
        }
        c.tree_head().map_err(|e| at(e.to_string()))?;
        if c.expected_state_root() != c.new_state_root {
            return Err(at(
                "new_state_root does not recompute from its fields".into()
            ));
        }
        if let Some(p) = prev {
            if c.sequence_start != p.sequence_end + 1 {
                return Err(at(format!(
                    "starts at {} but the previous one ended at {}",
                    c.sequence_start, p.sequence_end
                )));
            }
            if c.prev_state_root != p.new_state_root {
                return Err(at(
                    "prev_state_root is not the previous new_state_root".into()
                ));
            }
        }
        prev = Some(c);
    }
    Ok(())
}
