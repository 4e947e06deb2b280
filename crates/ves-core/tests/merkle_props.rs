//! For every tree size n in 1..=300: every leaf's proof verifies (against the commitment and
//! against the bare root), and every mutation of the mutation table gets its verdict in each
//! mode (rejected where it must fail, accepted where the rule allows it).
//! Plus random trees and indices through proptest.

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use ves_core::merkle::{verify_inclusion, Anchor, MerkleTree, TreeHead};
use ves_core::mutation::{self, Mode, KINDS};

fn leaves(n: usize, salt: u64) -> Vec<[u8; 32]> {
    (0..n)
        .map(|i| {
            Sha256::new()
                .chain_update(salt.to_be_bytes())
                .chain_update((i as u64).to_be_bytes())
                .finalize()
                .into()
        })
        .collect()
}

fn head(tree: &MerkleTree) -> TreeHead {
    TreeHead::new(
        tree.root(),
        tree.leaf_count(),
        Some(tree.padded_leaf_count()),
        Some(tree.depth()),
    )
    .unwrap()
}

#[test]
fn every_proof_of_every_tree_up_to_300_verifies_and_every_mutation_fails() {
    let mut kinds_seen = std::collections::BTreeSet::new();
    let mut checked = (0u64, 0u64);
    for n in 1..=300usize {
        let tree = MerkleTree::new(leaves(n, n as u64));
        let head = head(&tree);
        for i in 0..n as u64 {
            let proof = tree.proof(i).unwrap();
            let leaf = tree.levels()[0][i as usize];
            assert_eq!(
                verify_inclusion(&proof, &leaf, Anchor::Tree(&head)),
                Ok(()),
                "n={n} i={i}"
            );
            assert_eq!(
                verify_inclusion(&proof, &leaf, Anchor::Root(&head.merkle_root)),
                Ok(()),
                "n={n} i={i}"
            );
            checked.0 += 1;
            for m in mutation::mutations(&tree, i, (n as u64) * 7919 + i * 31) {
                let tree_head = TreeHead {
                    merkle_root: m.root,
                    ..head.clone()
                };
                for (mode, anchor) in [
                    (Mode::Commitment, Anchor::Tree(&tree_head)),
                    (Mode::Root, Anchor::Root(&m.root)),
                ] {
                    let verdict = verify_inclusion(&m.proof, &m.leaf, anchor);
                    let rejected = m.rejected_by.contains(&mode);
                    assert_ne!(
                        rejected,
                        m.accepted_by.contains(&mode),
                        "{}: every mode is either rejected or accepted",
                        m.kind
                    );
                    assert_eq!(
                        verdict.is_err(),
                        rejected,
                        "n={n} i={i} {} in mode {}: {verdict:?}",
                        m.kind,
                        mode.name()
                    );
                }
                kinds_seen.insert(m.kind);
                checked.1 += 1;
            }
        }
    }
    assert_eq!(kinds_seen.into_iter().collect::<Vec<_>>(), {
        let mut k = KINDS.to_vec();
        k.sort();
        k
    });
    println!(
        "{} proofs verified, {} mutations judged",
        checked.0, checked.1
    );
}

proptest! {
    #[test]
    fn random_trees(n in 1usize..2000, salt: u64, pick: u64, noise: u64) {
        let tree = MerkleTree::new(leaves(n, salt));
        let head = head(&tree);
        let i = pick % n as u64;
        let proof = tree.proof(i).unwrap();
        prop_assert!(verify_inclusion(&proof, &tree.levels()[0][i as usize], Anchor::Tree(&head)).is_ok());
        for m in mutation::mutations(&tree, i, noise) {
            let h = TreeHead { merkle_root: m.root, ..head.clone() };
            let rejected = verify_inclusion(&m.proof, &m.leaf, Anchor::Tree(&h)).is_err();
            prop_assert_eq!(rejected, m.rejected_by.contains(&Mode::Commitment), "{}", m.kind);
        }
    }

    #[test]
    fn root_equals_the_tree_root(n in 0usize..600, salt: u64) {
        let l = leaves(n, salt);
        prop_assert_eq!(ves_core::merkle::merkle_root(&l), MerkleTree::new(l).root());
    }
}
