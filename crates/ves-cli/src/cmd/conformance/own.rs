//! `ves-vectors/1`, the format `ves vectors` writes (docs/VECTORS.md): every value recomputed
//! from its inputs, every proof rebuilt from the leaves, every mutation judged as it lists
//! (rejected in `must_fail`, accepted in `must_pass`), and the coverage the format promises (tree sizes, proof indices, mutation kinds).

use std::collections::BTreeSet;

use anyhow::{anyhow, Result};
use serde_json::Value;
use ves_core::hash::{Hash, PAD_LEAF};
use ves_core::merkle::{verify_inclusion, Anchor, InclusionProof, MerkleTree, TreeHead};
use ves_core::mutation::{self, Mode};
use ves_core::sign::{self, SigningKey};
use ves_core::stream_store_id;

use super::kat::compare_proof;
use super::report::{Case, Report};
use super::{check_jcs_case, event};
use crate::json::At;

/// Sequence numbers stay below 2^53 so that every JSON parser reads them exactly.
const MAX_SAFE: u64 = (1 << 53) - 1;

pub fn check(rep: &mut Report, root: &Value) {
    let r = At::root(root);
    rep.case("header", "header", |c| {
        c.text(&r.get("format"), "ves-vectors/1");
        r.get("generator").str()?;
        r.get("seed").u64()?;
        c.num(&r.get("count"), r.get("jcs").arr()?.len() as u64);
        c.num(&r.get("count"), r.get("events").arr()?.len() as u64);
        Ok(())
    });
    let keys: Vec<Option<SigningKey>> = match r.get("keys").arr() {
        Ok(list) => list
            .iter()
            .map(|k| {
                let mut key = None;
                rep.case("keys", k.path(), |c| {
                    let sk = sign::signing_key_from_seed(&k.get("seed_hex").hex::<32>()?);
                    c.hex(&k.get("public_key_hex"), sk.verifying_key().as_bytes());
                    key = Some(sk);
                    Ok(())
                });
                key
            })
            .collect(),
        Err(e) => {
            rep.broken("keys", "keys", &e);
            Vec::new()
        }
    };
    let mut sequencer = None;
    rep.case("keys", "sequencer_key", |c| {
        let s = r.get("sequencer_key");
        let sk = sign::signing_key_from_seed(&s.get("seed_hex").hex::<32>()?);
        c.hex(&s.get("public_key_hex"), sk.verifying_key().as_bytes());
        sequencer = Some(sk);
        Ok(())
    });
    check_jcs(rep, &r);
    check_events(rep, &r, &keys, sequencer.as_ref());
    match r.get("stream_store_ids").arr() {
        Ok(cases) => {
            for s in &cases {
                rep.case("stream_store_ids", s.path(), |c| {
                    let base: uuid::Uuid = s
                        .get("store_id")
                        .str()?
                        .parse()
                        .map_err(|e| anyhow!("{}: {e}", s.get("store_id").path()))?;
                    let index = u32::try_from(s.get("index").u64()?)
                        .map_err(|_| anyhow!("{}: not a u32", s.get("index").path()))?;
                    c.text(
                        &s.get("derived"),
                        &stream_store_id(&base, index).to_string(),
                    );
                    Ok(())
                });
            }
        }
        Err(e) => rep.broken("stream_store_ids", "stream_store_ids", &e),
    }
    check_merkle(rep, &r);
}

fn check_jcs(rep: &mut Report, r: &At) {
    let cases = match r.get("jcs").arr() {
        Ok(c) => c,
        Err(e) => return rep.broken("jcs", "jcs", &e),
    };
    for v in &cases {
        let item = format!("{} ({})", v.path(), v.get("name").str().unwrap_or("?"));
        check_jcs_case(rep, v, &item);
    }
}

fn check_events(
    rep: &mut Report,
    r: &At,
    keys: &[Option<SigningKey>],
    sequencer: Option<&SigningKey>,
) {
    let events = match r.get("events").arr() {
        Ok(e) => e,
        Err(e) => return rep.broken("envelope", "events", &e),
    };
    for ev in &events {
        let item = ev.path().to_string();
        let key = ev.get("key_index").u64().and_then(|i| {
            keys.get(i as usize)
                .and_then(Option::as_ref)
                .ok_or_else(|| anyhow!("{}: no readable keys[{i}]", ev.get("key_index").path()))
        });
        let key = match key {
            Ok(k) => k,
            Err(e) => {
                rep.broken("signature", &item, &e);
                continue;
            }
        };
        let checked = event::check_event(
            rep,
            &item,
            (ev, ev),
            &event::OWN,
            (key, "keys[key_index]"),
            |c, stage| {
                if let event::Stage::Receipt { seq, .. } = stage {
                    c.require((1..=MAX_SAFE).contains(&seq), || {
                        format!(
                            "{}: expected 1..2^53, found {seq}",
                            ev.get("sequence_number").path()
                        )
                    });
                }
                Ok(())
            },
        );
        let Some(e) = checked else { continue };
        match sequencer {
            Some(sk) => {
                rep.case("receipt_signature", &item, |c| {
                    c.hex(
                        &ev.get("sequencer_signature"),
                        &sign::sign_hash(sk, &e.receipt),
                    );
                    Ok(())
                });
            }
            None => rep.broken(
                "receipt_signature",
                &item,
                &anyhow!("sequencer_key is unreadable"),
            ),
        }
    }
}

/// Proof indices the format promises: all when n <= 16, else 0, 1, n/2, n-2, n-1 (the three
/// random ones are not predictable).
pub fn required_indices(n: u64) -> Vec<u64> {
    if n <= 16 {
        (0..n).collect()
    } else {
        vec![0, 1, n / 2, n - 2, n - 1]
    }
}

fn check_merkle(rep: &mut Report, r: &At) {
    let trees = match r.get("merkle").arr() {
        Ok(t) => t,
        Err(e) => return rep.broken("merkle_trees", "merkle", &e),
    };
    let mut sizes = BTreeSet::new();
    for t in &trees {
        let leaves: Result<Vec<Hash>> = t
            .get("leaves")
            .arr()
            .and_then(|a| a.iter().map(|l| l.hex::<32>()).collect());
        let leaves = match leaves {
            Ok(l) if !l.is_empty() => l,
            Ok(_) => {
                rep.broken("merkle_trees", t.path(), &anyhow!("no leaves"));
                continue;
            }
            Err(e) => {
                rep.broken("merkle_trees", t.path(), &e);
                continue;
            }
        };
        let n = leaves.len() as u64;
        sizes.insert(n);
        let item = format!("{} (n={n})", t.path());
        let tree = MerkleTree::new(leaves);
        let root = tree.root();
        rep.case("merkle_trees", &item, |c| {
            c.num(&t.get("leaf_count"), n);
            c.num(&t.get("padded_leaf_count"), tree.padded_leaf_count());
            c.num(&t.get("tree_depth"), tree.depth() as u64);
            c.hex(&t.get("merkle_root"), &root);
            Ok(())
        });
        let head = match TreeHead::new(root, n, Some(tree.padded_leaf_count()), Some(tree.depth()))
        {
            Ok(h) => h,
            Err(e) => {
                rep.broken("inclusion_proofs", &item, &anyhow!("{e}"));
                continue;
            }
        };
        let mut listed = BTreeSet::new();
        match t.get("proofs").arr() {
            Ok(proofs) => {
                for p in &proofs {
                    rep.case("inclusion_proofs", p.path(), |c| {
                        let index = p.get("leaf_index").u64()?;
                        listed.insert(index);
                        compare_proof(c, p, &tree, index, &head)
                    });
                }
            }
            Err(e) => rep.broken("inclusion_proofs", &item, &e),
        }
        rep.case("proof_indices", &item, |c| {
            let missing: Vec<u64> = required_indices(n)
                .into_iter()
                .filter(|i| !listed.contains(i))
                .collect();
            c.require(missing.is_empty(), || {
                format!(
                    "{}: expected proofs for indices {missing:?}, found none",
                    t.get("proofs").path()
                )
            });
            Ok(())
        });
        let mut kinds = BTreeSet::new();
        match t.get("mutations").arr() {
            Ok(muts) => {
                for m in &muts {
                    let kind = m.get("kind").str().unwrap_or("?").to_string();
                    kinds.insert(kind.clone());
                    rep.case("mutations", format!("{} ({kind})", m.path()), |c| {
                        check_mutation(c, m, &kind, &tree, &head)
                    });
                }
            }
            Err(e) => rep.broken("mutations", &item, &e),
        }
        rep.case("mutation_kinds", &item, |c| {
            let applicable: BTreeSet<String> = mutation::mutations(&tree, 0, 0)
                .iter()
                .map(|m| m.kind.to_string())
                .collect();
            c.require(applicable == kinds, || {
                format!(
                    "{}: expected kinds {applicable:?}, found {kinds:?}",
                    t.get("mutations").path()
                )
            });
            Ok(())
        });
    }
    rep.case("merkle_trees", "tree sizes", |c| {
        let want: BTreeSet<u64> = (1..=300).collect();
        c.require(sizes == want, || {
            let missing: Vec<_> = want.difference(&sizes).take(5).collect();
            format!(
                "merkle: expected every size 1..=300, found {} sizes (missing e.g. {missing:?})",
                sizes.len()
            )
        });
        Ok(())
    });
}

fn check_mutation(
    c: &mut Case,
    m: &At,
    kind: &str,
    tree: &MerkleTree,
    head: &TreeHead,
) -> Result<()> {
    let (rejected_by, accepted_by) = mutation::verdicts(kind)
        .ok_or_else(|| anyhow!("{}: unknown kind {kind:?}", m.get("kind").path()))?;
    let names = |modes: &[Mode]| {
        modes
            .iter()
            .map(|x| x.name().to_string())
            .collect::<Vec<_>>()
    };
    let modes_at = |field: &str| -> Result<Vec<String>> {
        let at = m.get(field);
        at.arr()?
            .iter()
            .map(|x| x.str().map(str::to_string))
            .collect()
    };
    let (must_fail, must_pass) = (modes_at("must_fail")?, modes_at("must_pass")?);
    for (field, found, want) in [
        ("must_fail", &must_fail, names(rejected_by)),
        ("must_pass", &must_pass, names(accepted_by)),
    ] {
        c.require(*found == want, || {
            format!(
                "{}: expected {want:?} for {kind}, found {found:?}",
                m.get(field).path()
            )
        });
    }
    let leaf = m.get("leaf_hash").hex::<32>()?;
    let proof: InclusionProof = m.get("proof").parse()?;
    let root = m.get("merkle_root").hex::<32>()?;
    let commitment = TreeHead {
        merkle_root: root,
        ..head.clone()
    };
    for (mode, anchor) in [
        (Mode::Commitment, Anchor::Tree(&commitment)),
        (Mode::Root, Anchor::Root(&root)),
    ] {
        let verdict = verify_inclusion(&proof, &leaf, anchor);
        let must_reject = rejected_by.contains(&mode);
        c.require(verdict.is_err() == must_reject, || {
            format!(
                "{}: {} against the {}, must be {}",
                m.path(),
                if verdict.is_err() {
                    "rejected"
                } else {
                    "accepted"
                },
                mode.name(),
                if must_reject { "rejected" } else { "accepted" }
            )
        });
    }
    if kind == "pad_leaf_beyond_count" {
        // The case is what it says: the path of the first pad leaf.
        c.require(
            leaf == PAD_LEAF && proof.leaf_index == tree.leaf_count(),
            || {
                format!(
                    "{}: expected PAD_LEAF at index {}",
                    m.path(),
                    tree.leaf_count()
                )
            },
        );
    }
    Ok(())
}
