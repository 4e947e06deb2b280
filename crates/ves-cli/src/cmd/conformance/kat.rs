//! The computed KAT (`ves_v1_computed_kat.json`): domain prefixes and constants, payload
//! hashes from JSON text, signing preimages, the three-event worked example end to end
//! (bodies, hashes, signatures, leaves, receipts, tree, state root, proofs) and the generic
//! Merkle roots.

use anyhow::{anyhow, Result};
use serde_json::Value;
use ves_core::hash::{self, Hash, PAD_LEAF, ZERO_HASH};
use ves_core::merkle::{self, verify_inclusion, Anchor, MerkleTree, TreeHead};
use ves_core::{sign, EventEnvelope, IngestRequest};

use super::report::{Case, Report};
use super::{check_commitment_record, check_jcs_case, core_domain, envelope_from_fields, event};
use crate::json::At;

pub fn check(rep: &mut Report, root: &Value) {
    let r = At::root(root);
    check_prefixes(rep, &r.get("domain_prefixes"));
    rep.case("constants", "constants", |c| {
        let k = r.get("constants");
        c.hex(&k.get("ZERO_HASH"), &ZERO_HASH);
        c.hex(&k.get("PAD_LEAF"), &PAD_LEAF);
        c.hex(&k.get("EMPTY_TREE_ROOT"), &merkle::merkle_root(&[]));
        Ok(())
    });
    check_payload_vectors(rep, &r);
    check_signing_vectors(rep, &r);
    check_worked_example(rep, &r.get("worked_example"));
    check_merkle_generic(rep, &r.get("merkle_generic"));
    rep.skip(
        "self_checks",
        "flags only (no values to recompute); their keys are covered by ves_sig_1",
    );
    rep.skip(
        "upstream_vector_corrections",
        "applied when checking ves_sig_1 / ves_enc_1, where they stand in for upstream placeholders and errors",
    );
}

/// `{NAME: {hex, length}}`: the hex and length of each name, and ves-core's bytes where it has them.
pub fn check_prefixes(rep: &mut Report, prefixes: &At) {
    let names: Vec<String> = match prefixes.obj() {
        Ok(m) => m.keys().cloned().collect(),
        Err(e) => return rep.broken("domain_prefixes", prefixes.path(), &e),
    };
    for name in names {
        rep.case("domain_prefixes", &name, |c| {
            let at = prefixes.get(&name);
            let bytes = core_domain(&name).unwrap_or(name.as_bytes());
            c.hex(&at.get("hex"), bytes);
            c.num(&at.get("length"), bytes.len() as u64);
            Ok(())
        });
    }
}

fn check_payload_vectors(rep: &mut Report, r: &At) {
    let vectors = match r.get("payload_plain_hash").get("vectors").arr() {
        Ok(v) => v,
        Err(e) => return rep.broken("jcs", "payload_plain_hash", &e),
    };
    for v in &vectors {
        let name = v.get("name").str().unwrap_or("?").to_string();
        check_jcs_case(rep, v, &name);
    }
    if let Ok(salted) = r.get("payload_plain_hash_salted").get("vectors").arr() {
        for v in &salted {
            let name = v.get("name").str().unwrap_or("?").to_string();
            rep.case("payload_hash_salted", &name, |c| {
                let salt = v.get("salt_hex").hex::<16>()?;
                let text = v.get("jcs").str()?;
                c.hex(
                    &v.get("payload_plain_hash"),
                    &hash::payload_plain_hash_salted(&salt, text),
                );
                Ok(())
            });
        }
    }
}

fn check_signing_vectors(rep: &mut Report, r: &At) {
    let vectors = match r.get("event_signing_hash").get("vectors").arr() {
        Ok(v) => v,
        Err(e) => return rep.broken("signing_hash", "event_signing_hash", &e),
    };
    for v in &vectors {
        let name = v.get("name").str().unwrap_or("?").to_string();
        let env = envelope_from_fields(
            &v.get("fields"),
            &v.get("payload_plain_hash"),
            &v.get("payload_cipher_hash"),
        );
        let env = match env {
            Ok(e) => e,
            Err(e) => {
                rep.broken("signing_preimage", &name, &e);
                continue;
            }
        };
        let pre = env.signing_preimage();
        rep.case("signing_preimage", &name, |c| {
            c.hex(&v.get("preimage_hex"), &pre);
            c.num(&v.get("preimage_len"), pre.len() as u64);
            Ok(())
        });
        rep.case("signing_hash", &name, |c| {
            c.hex(&v.get("event_signing_hash"), &env.signing_hash());
            Ok(())
        });
    }
}

fn check_worked_example(rep: &mut Report, w: &At) {
    let key = match w.get("agent_secret_key_hex").hex::<32>() {
        Ok(seed) => sign::signing_key_from_seed(&seed),
        Err(e) => return rep.broken("keys", "worked_example", &e),
    };
    let public = key.verifying_key();
    let body: Result<IngestRequest> = w.get("ingest_body").parse();
    rep.case("keys", "worked_example agent key", |c| {
        c.hex(&w.get("agent_public_key_hex"), public.as_bytes());
        let reg = w.get("register_key_body");
        c.hex(&reg.get("publicKey"), public.as_bytes());
        if let Ok(body) = &body {
            c.text(&reg.get("agentId"), &body.agent_id.to_string());
            if let Some(e) = body.events.first() {
                c.text(&reg.get("tenantId"), &e.tenant_id.to_string());
                c.num(&reg.get("keyId"), u64::from(e.agent_key_id));
            }
        }
        Ok(())
    });
    let events = match w.get("events").arr() {
        Ok(e) => e,
        Err(e) => return rep.broken("envelope", "worked_example.events", &e),
    };
    let mut leaves: Vec<Hash> = Vec::new();
    let mut seqs: Vec<u64> = Vec::new();
    let mut envs: Vec<EventEnvelope> = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        let item = format!("worked_example.events[{i}]");
        let checked = event::check_event(
            rep,
            &item,
            (ev, ev),
            &event::KAT,
            (&key, "the agent key"),
            |_, _| Ok(()),
        );
        if let Some(e) = checked {
            leaves.push(e.leaf);
            seqs.push(e.seq);
            envs.push(e.env);
        }
    }
    rep.case("ingest_bodies", "worked_example.ingest_body", |c| {
        let body = body.as_ref().map_err(|e| anyhow!("{e:#}"))?;
        body.check_size().map_err(|e| anyhow!("{e}"))?;
        c.require(body.events == envs, || {
            "worked_example.ingest_body.events: differ from worked_example.events[].envelope"
                .to_string()
        });
        Ok(())
    });
    if leaves.len() != events.len() || leaves.is_empty() {
        return rep.broken(
            "tree_levels",
            "worked_example.commitment",
            &anyhow!("cannot rebuild the tree: some events are unreadable (see above)"),
        );
    }
    let start = seqs[0];
    if seqs
        .iter()
        .enumerate()
        .any(|(i, s)| start.checked_add(i as u64) != Some(*s))
    {
        return rep.broken(
            "tree_levels",
            "worked_example.commitment",
            &anyhow!("worked_example.events: sequence numbers are not consecutive"),
        );
    }
    let (tenant, store) = (envs[0].tenant_id, envs[0].store_id);
    let computed =
        match ves_core::commitment::compute(&tenant, &store, start, leaves.clone(), ZERO_HASH) {
            Ok(c) => c,
            Err(e) => {
                return rep.broken("tree_levels", "worked_example.commitment", &anyhow!("{e}"))
            }
        };
    let tree = &computed.tree;
    let cm = w.get("commitment");
    for (k, field) in [(0, "level0_padded_leaves"), (1, "level1")] {
        if let Some(level) = tree.levels().get(k).filter(|_| k < tree.depth() as usize) {
            rep.case(
                "tree_levels",
                format!("worked_example.commitment.{field}"),
                |c| compare_list(c, &cm.get(field), level),
            );
        }
    }
    check_commitment_record(
        rep,
        &cm,
        "worked_example.commitment",
        (&tenant, &store),
        &computed,
    );
    let head = TreeHead::new(
        tree.root(),
        tree.leaf_count(),
        Some(tree.padded_leaf_count()),
        Some(tree.depth()),
    );
    let proofs = match w.get("inclusion_proofs").arr() {
        Ok(p) => p,
        Err(e) => return rep.broken("inclusion_proofs", "worked_example", &e),
    };
    for p in &proofs {
        rep.case("inclusion_proofs", p.path(), |c| {
            let head = head.as_ref().map_err(|e| anyhow!("{e}"))?;
            let seq = p.get("sequence_number").u64()?;
            let index = seq
                .checked_sub(start)
                .filter(|i| *i < tree.leaf_count())
                .ok_or_else(|| anyhow!("{}: sequence {seq} is outside the commitment", p.path()))?;
            c.num(&p.get("leaf_index"), index);
            compare_proof(c, p, tree, index, head)
        });
    }
}

/// Compares `at` (a list of hex hashes) with `want`.
pub fn compare_list(c: &mut Case, at: &At, want: &[Hash]) -> Result<()> {
    let items = at.arr()?;
    c.require(items.len() == want.len(), || {
        format!(
            "{}: expected {} entries, found {}",
            at.path(),
            want.len(),
            items.len()
        )
    });
    for (h, item) in want.iter().zip(&items) {
        c.hex(item, h);
    }
    Ok(())
}

/// A proof object (`leaf_hash`, `proof_path`, `directions`) against the proof ves-core builds
/// for `index`, which must verify against the commitment and against the bare root.
pub fn compare_proof(
    c: &mut Case,
    p: &At,
    tree: &MerkleTree,
    index: u64,
    head: &TreeHead,
) -> Result<()> {
    let ours = tree
        .proof(index)
        .ok_or_else(|| anyhow!("{}: leaf_index {index} is outside the tree", p.path()))?;
    let leaf = tree.levels()[0][index as usize];
    if p.get("leaf_hash").exists() {
        c.hex(&p.get("leaf_hash"), &leaf);
    }
    compare_list(c, &p.get("proof_path"), &ours.proof_path)?;
    let want = ours.directions.as_deref().unwrap_or_default();
    let dirs = p.get("directions").arr()?;
    c.require(dirs.len() == want.len(), || {
        format!(
            "{}: expected {} entries, found {}",
            p.get("directions").path(),
            want.len(),
            dirs.len()
        )
    });
    for (want, at) in want.iter().zip(&dirs) {
        c.flag(at, *want);
    }
    let root = tree.root();
    for (mode, anchor) in [
        ("commitment", Anchor::Tree(head)),
        ("root", Anchor::Root(&root)),
    ] {
        if let Err(e) = verify_inclusion(&ours, &leaf, anchor) {
            c.require(false, || {
                format!("{}: rejected against the {mode}: {e}", p.path())
            });
        }
    }
    Ok(())
}

fn check_merkle_generic(rep: &mut Report, g: &At) {
    let vectors = match g.get("vectors").arr() {
        Ok(v) => v,
        Err(e) => return rep.broken("merkle_roots", "merkle_generic", &e),
    };
    for v in &vectors {
        let name = v.get("name").str().unwrap_or("?").to_string();
        let leaves: Result<Vec<Hash>> = v
            .get("leaves")
            .arr()
            .and_then(|a| a.iter().map(|l| l.hex::<32>()).collect());
        let leaves = match leaves {
            Ok(l) => l,
            Err(e) => {
                rep.broken("merkle_roots", &name, &e);
                continue;
            }
        };
        let tree = MerkleTree::new(leaves.clone());
        rep.case("merkle_roots", &name, |c| {
            c.hex(&v.get("root"), &tree.root());
            c.require(merkle::merkle_root(&leaves) == tree.root(), || {
                format!("{name}: merkle_root and MerkleTree disagree")
            });
            Ok(())
        });
        if v.get("proof_for_index_4").exists() {
            rep.case(
                "inclusion_proofs",
                format!("merkle_generic {name} index 4"),
                |c| compare_proof(c, &v.get("proof_for_index_4"), &tree, 4, &tree.head()),
            );
        }
    }
}
