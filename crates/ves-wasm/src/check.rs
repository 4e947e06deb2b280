//! Checks: inclusion proofs (against a bare root or a commitment), receipts and the commitment
//! chain. The verdict is always the core's (`verify_inclusion`, `Receipt::verify`,
//! `check_chain`); the extra checks here are the ones `js/merkle.js` and `js/receipt.js` make on
//! fields the core's types do not carry (the proof's own `leaf_hash` and `merkle_root`, its
//! `sequence_number`, the receipt's `eventId`).

use serde::Deserialize;
use uuid::Uuid;
use ves_core::merkle::{verify_inclusion, Anchor, InclusionProof, TreeHead};
use ves_core::{ChainStart, Commitment, Hash, Receipt};

use crate::error::{from_json, Error, Result};
use crate::input;

/// The fields of a proof response that `InclusionProof` does not keep.
#[derive(Debug, Default)]
pub struct ProofExtras {
    pub leaf_hash: Option<String>,
    pub merkle_root: Option<String>,
    pub sequence_number: Option<u64>,
}

/// The part of a commitment a proof is checked against; other fields are ignored.
#[derive(Debug, Deserialize)]
pub struct CommitmentHead {
    pub merkle_root: String,
    pub leaf_count: u64,
    #[serde(default)]
    pub padded_leaf_count: Option<u64>,
    #[serde(default)]
    pub tree_depth: Option<u32>,
    #[serde(default)]
    pub sequence_start: Option<u64>,
    #[serde(default)]
    pub tenant_id: Option<Uuid>,
    #[serde(default)]
    pub store_id: Option<Uuid>,
}

impl CommitmentHead {
    pub fn tree_head(&self) -> Result<TreeHead> {
        let root = input::hash(&self.merkle_root, "merkle_root")?;
        Ok(TreeHead::new(
            root,
            self.leaf_count,
            self.padded_leaf_count,
            self.tree_depth,
        )?)
    }
}

/// What the proof is checked against: a bare root (hex) or a commitment (JSON text).
pub enum AnchorInput<'a> {
    Root(&'a str),
    Commitment(&'a str),
}

/// A parsed proof: the core's type plus the response's extra fields.
pub struct Proof {
    pub core: InclusionProof,
    pub extras: ProofExtras,
}

/// Both halves in one parse; the hex rules and messages are the core's (`serde_hex::bare_vec`).
#[derive(Deserialize)]
struct ProofText {
    leaf_index: u64,
    #[serde(with = "ves_core::hexfmt::serde_hex::bare_vec")]
    proof_path: Vec<Hash>,
    /// Optional against a commitment, required against a bare root (ves-core's rule).
    #[serde(default)]
    directions: Option<Vec<bool>>,
    #[serde(default)]
    leaf_hash: Option<String>,
    #[serde(default)]
    merkle_root: Option<String>,
    #[serde(default)]
    sequence_number: Option<u64>,
}

pub fn proof(proof_json: &str) -> Result<Proof> {
    let p: ProofText = from_json(proof_json, "proof")?;
    Ok(Proof {
        core: InclusionProof {
            leaf_index: p.leaf_index,
            proof_path: p.proof_path,
            directions: p.directions,
        },
        extras: ProofExtras {
            leaf_hash: p.leaf_hash,
            merkle_root: p.merkle_root,
            sequence_number: p.sequence_number,
        },
    })
}

/// Checks `leaf` (hex) at `proof.leaf_index` under the anchor; Ok or the reason it fails.
pub fn check_inclusion(proof_json: &str, leaf_hex: &str, anchor: AnchorInput<'_>) -> Result<()> {
    let p = proof(proof_json)?;
    let leaf = input::hash(leaf_hex, "leaf hash")?;
    if let Some(claimed) = &p.extras.leaf_hash {
        if input::hash(claimed, "proof leaf_hash")? != leaf {
            return Err(Error::Input(
                "the proof's leaf_hash differs from the leaf hash given".into(),
            ));
        }
    }
    match anchor {
        AnchorInput::Root(root_hex) => {
            let root = input::hash(root_hex, "root")?;
            check_proof_root(&p, &root)?;
            Ok(verify_inclusion(&p.core, &leaf, Anchor::Root(&root))?)
        }
        AnchorInput::Commitment(json) => {
            let c: CommitmentHead = from_json(json, "commitment")?;
            let head = c.tree_head()?;
            check_proof_root(&p, &head.merkle_root)?;
            if let (Some(start), Some(seq)) = (c.sequence_start, p.extras.sequence_number) {
                if seq.checked_sub(start) != Some(p.core.leaf_index) {
                    return Err(Error::Input(format!(
                        "leaf_index {} is not sequence_number {seq} - sequence_start {start}",
                        p.core.leaf_index
                    )));
                }
            }
            Ok(verify_inclusion(&p.core, &leaf, Anchor::Tree(&head))?)
        }
    }
}

fn check_proof_root(p: &Proof, root: &Hash) -> Result<()> {
    if let Some(claimed) = &p.extras.merkle_root {
        if &input::hash(claimed, "proof merkle_root")? != root {
            return Err(Error::Input(
                "the proof's merkle_root differs from the expected root".into(),
            ));
        }
    }
    Ok(())
}

/// A receipt checked against the envelope that was sent (and the sequencer key, if given).
pub fn check_receipt(
    event_json: &str,
    receipt_json: &str,
    sequencer_key: Option<&str>,
) -> Result<()> {
    let event = crate::event::envelope(event_json)?;
    let receipt: Receipt = from_json(receipt_json, "receipt")?;
    if receipt.event_id != event.event_id {
        return Err(ves_core::Error::Receipt(format!(
            "receipt eventId {} is not the event's {}",
            receipt.event_id, event.event_id
        ))
        .into());
    }
    let key = match sequencer_key {
        Some(hex) => Some(ves_core::sign::verifying_key_from_hex(hex)?),
        None => None,
    };
    Ok(receipt.verify(
        &event.tenant_id,
        &event.store_id,
        &event.signing_hash(),
        key.as_ref(),
    )?)
}

/// Commitments of one stream in order (JSON array); `genesis`: the first starts the stream.
pub fn check_chain(commitments_json: &str, genesis: bool) -> Result<()> {
    let commitments: Vec<Commitment> = from_json(commitments_json, "commitments")?;
    let start = if genesis {
        ChainStart::Genesis
    } else {
        ChainStart::Anywhere
    };
    Ok(ves_core::check_chain(&commitments, start)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ves_core::hexfmt::encode;
    use ves_core::MerkleTree;

    fn tree() -> (MerkleTree, Vec<Hash>) {
        let leaves: Vec<Hash> = (1..=5u8).map(|i| [i; 32]).collect();
        (MerkleTree::new(leaves.clone()), leaves)
    }

    fn proof_json(tree: &MerkleTree, i: u64, seq: u64) -> String {
        let p = tree.proof(i).unwrap();
        let mut v = serde_json::to_value(&p).unwrap();
        v["sequence_number"] = seq.into();
        v["merkle_root"] = encode(&tree.root()).into();
        v.to_string()
    }

    #[test]
    fn valid_against_root_and_commitment_and_the_core_messages_on_failure() {
        let (tree, leaves) = tree();
        let root = encode(&tree.root());
        let commitment = format!(
            r#"{{"merkle_root":"{root}","leaf_count":5,"tree_depth":3,"padded_leaf_count":8,"sequence_start":10}}"#
        );
        let p = proof_json(&tree, 3, 13);
        let leaf = encode(&leaves[3]);
        check_inclusion(&p, &leaf, AnchorInput::Root(&root)).unwrap();
        check_inclusion(&p, &leaf, AnchorInput::Commitment(&commitment)).unwrap();
        let e = check_inclusion(&p, &encode(&leaves[2]), AnchorInput::Root(&root)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "inclusion proof rejected: the path does not lead to the root"
        );
        let wrong_seq = proof_json(&tree, 3, 14);
        let e =
            check_inclusion(&wrong_seq, &leaf, AnchorInput::Commitment(&commitment)).unwrap_err();
        assert!(e.to_string().contains("is not sequence_number 14"), "{e}");
        let e = check_inclusion("{}", &leaf, AnchorInput::Root(&root)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid JSON: proof: missing field"),
            "{e}"
        );
    }
}
