//! The live capture of a real sequencer (`live_ves_v1_dev.json`): every intermediate of every
//! event rebuilt from its envelope and the agent seed, the receipts and their sequencer
//! signatures, the ingest bodies and responses, the commitment (tree levels, root, stream id,
//! state root) from our own leaves, every inclusion proof, the proof-verify calls and the
//! rejection cases' outcomes as far as they follow from the data alone.

use anyhow::{anyhow, bail, Result};
use serde_json::Value;
use uuid::Uuid;
use ves_core::api::{IngestResponse, ProofResponse};
use ves_core::commitment::{self, ComputedCommitment};
use ves_core::hash::{self, Hash, PAD_LEAF, ZERO_HASH};
use ves_core::merkle::{verify_inclusion, Anchor, InclusionProof, TreeHead};
use ves_core::sign::{self, SigningKey, VerifyingKey};
use ves_core::{Commitment, EventEnvelope, IngestRequest, Receipt};

use super::kat::{compare_list, compare_proof};
use super::report::{Case, Report};
use super::{check_commitment_record, event};
use crate::json::At;

/// One event as the file has it, with what we recomputed.
struct Event {
    env: EventEnvelope,
    seq: u64,
    signing_hash: Hash,
    leaf: Hash,
}

pub fn check(rep: &mut Report, root: &Value) {
    let r = At::root(root);
    let key = match r.get("agent_seed_hex").hex::<32>() {
        Ok(seed) => sign::signing_key_from_seed(&seed),
        Err(e) => return rep.broken("keys", "agent key", &e),
    };
    let public = key.verifying_key();
    rep.case("keys", "agent key", |c| {
        c.hex(&r.get("agent_public_key_hex"), public.as_bytes());
        let reg = r.get("agent_key_registration").get("request").get("body");
        c.hex(&reg.get("publicKey"), public.as_bytes());
        c.text(&reg.get("tenantId"), r.get("tenant_id").str()?);
        c.text(&reg.get("agentId"), r.get("agent_id").str()?);
        c.num(&reg.get("keyId"), r.get("agent_key_id").u64()?);
        Ok(())
    });
    let seq_key_at = r.get("sequencer").get("receipt_signing_public_key_hex");
    let seq_key: Option<VerifyingKey> = if seq_key_at.exists() {
        let parsed = seq_key_at
            .str()
            .and_then(|s| sign::verifying_key_from_hex(s).map_err(|e| anyhow!("{e}")));
        rep.case("keys", "sequencer receipt key", |_| {
            parsed.as_ref().map(|_| ()).map_err(|e| anyhow!("{e:#}"))
        });
        parsed.ok()
    } else {
        rep.skip(
            "receipt_signature",
            "the capture gives no sequencer public key",
        );
        None
    };

    let events = match r.get("events").arr() {
        Ok(a) => a,
        Err(e) => return rep.broken("envelope", "events", &e),
    };
    let mut derived: Vec<Option<Event>> = Vec::with_capacity(events.len());
    for (i, ev) in events.iter().enumerate() {
        derived.push(check_event(rep, &r, ev, i, &key, seq_key.as_ref()));
    }

    check_ingest(rep, &r, &derived, seq_key.as_ref());
    let Some(tree) = check_commitment(rep, &r, &derived) else {
        return;
    };
    check_proofs(rep, &r, &tree);
    check_rejections(rep, &r, &derived, &key, seq_key.as_ref());
}

fn check_event(
    rep: &mut Report,
    r: &At,
    ev: &At,
    i: usize,
    key: &SigningKey,
    seq_key: Option<&VerifyingKey>,
) -> Option<Event> {
    let item = format!("events[{i}]");
    let env_at = ev.get("envelope");
    let receipt_at = ev.get("receipt");
    let checked = event::check_event(
        rep,
        &item,
        (ev, &ev.get("intermediates")),
        &event::LIVE,
        (key, "the agent key"),
        |c, stage| {
            match stage {
                event::Stage::Envelope => {
                    c.text(&env_at.get("tenant_id"), r.get("tenant_id").str()?);
                    c.text(&env_at.get("store_id"), r.get("store_id").str()?);
                    c.text(&env_at.get("source_agent_id"), r.get("agent_id").str()?);
                    c.num(&env_at.get("agent_key_id"), r.get("agent_key_id").u64()?);
                }
                event::Stage::Leaf { seq } => c.num(&ev.get("leaf_index"), seq.wrapping_sub(1)),
                event::Stage::Receipt { env, seq, receipt } => {
                    // What the server answered.
                    c.hex(&receipt_at.get("receiptHash"), receipt);
                    c.num(&receipt_at.get("sequenceNumber"), seq);
                    c.text(&receipt_at.get("eventId"), &env.event_id.to_string());
                }
            }
            Ok(())
        },
    )?;
    if let Some(seq_key) = seq_key {
        rep.case("receipt_signature", &item, |_| {
            let receipt: Receipt = receipt_at.parse()?;
            receipt
                .verify(
                    &checked.env.tenant_id,
                    &checked.env.store_id,
                    &checked.rc.signing_hash,
                    Some(seq_key),
                )
                .map_err(|e| anyhow!("{}: {e}", receipt_at.path()))
        });
    }
    Some(Event {
        env: checked.env,
        seq: checked.seq,
        signing_hash: checked.rc.signing_hash,
        leaf: checked.leaf,
    })
}

/// The captured body text and its parsed `body` must be the same JSON.
fn same_json(c: &mut Case, parsed: &At, raw_text: &At) -> Result<Value> {
    let raw: Value = raw_text.parse_text()?;
    c.require(parsed.value() == Some(&raw), || {
        format!("{}: differs from {}", parsed.path(), raw_text.path())
    });
    Ok(raw)
}

fn check_ingest(
    rep: &mut Report,
    r: &At,
    derived: &[Option<Event>],
    seq_key: Option<&VerifyingKey>,
) {
    let ingest = match r.get("ingest").arr() {
        Ok(a) => a,
        Err(e) => return rep.broken("ingest_bodies", "ingest", &e),
    };
    for (b, ing) in ingest.iter().enumerate() {
        let item = format!("ingest[{b}]");
        let req_at = ing.get("request");
        let indices: Vec<usize> = match ing.get("event_indices").arr() {
            Ok(a) => a
                .iter()
                .filter_map(|x| x.u64().ok())
                .map(|x| x as usize)
                .collect(),
            Err(e) => {
                rep.broken("ingest_bodies", &item, &e);
                continue;
            }
        };
        rep.case("ingest_bodies", &item, |c| {
            same_json(c, &req_at.get("body"), &req_at.get("body_raw"))?;
            let req: IngestRequest = req_at.get("body_raw").parse_text()?;
            req.check_size().map_err(|e| anyhow!("{e}"))?;
            c.eq(
                &format!("{}.agentId", req_at.get("body_raw").path()),
                r.get("agent_id").str()?,
                &req.agent_id.to_string(),
            );
            c.require(indices.len() == req.events.len(), || {
                format!(
                    "{}: lists {} events but the body holds {}",
                    ing.get("event_indices").path(),
                    indices.len(),
                    req.events.len()
                )
            });
            for (k, (idx, sent)) in indices.iter().zip(&req.events).enumerate() {
                let same = derived.get(*idx).and_then(Option::as_ref).map(|e| &e.env) == Some(sent);
                c.require(same, || {
                    format!("{item}: event {k} of body_raw differs from events[{idx}].envelope")
                });
                c.require(sent.source_agent_id == req.agent_id, || {
                    format!(
                        "{item}: event {k} has source_agent_id {} but agentId is {}",
                        sent.source_agent_id, req.agent_id
                    )
                });
            }
            Ok(())
        });
        rep.case("ingest_responses", &item, |c| {
            let resp_at = ing.get("response");
            c.num(&resp_at.get("status"), 200);
            same_json(c, &resp_at.get("body"), &resp_at.get("body_raw"))?;
            let resp: IngestResponse = resp_at.get("body_raw").parse_text()?;
            let batch: Vec<&Event> = indices
                .iter()
                .map(|i| derived.get(*i).and_then(Option::as_ref).ok_or_else(|| anyhow!("events[{i}] is unreadable")))
                .collect::<Result<_>>()?;
            let n = batch.len() as u64;
            c.require(resp.events_accepted == n && resp.events_rejected == 0 && resp.rejections.is_empty(), || {
                format!("{item}: expected {n} accepted and 0 rejected, found {} accepted and {} rejected", resp.events_accepted, resp.events_rejected)
            });
            let (first, last) = (batch.first().map(|e| e.seq), batch.last().map(|e| e.seq));
            c.require(resp.sequence_start == first && resp.sequence_end == last, || {
                format!("{item}: expected sequenceStart..End {first:?}..{last:?}, found {:?}..{:?}", resp.sequence_start, resp.sequence_end)
            });
            c.require(resp.receipts.len() as u64 == n, || {
                format!("{item}: expected {n} receipts, found {}", resp.receipts.len())
            });
            for receipt in &resp.receipts {
                let Some(e) = batch.iter().find(|e| e.env.event_id == receipt.event_id) else {
                    c.require(false, || format!("{item}: receipt for unknown event {}", receipt.event_id));
                    continue;
                };
                c.require(receipt.sequence_number == e.seq, || {
                    format!("{item}: receipt of {} has sequence {}, expected {}", e.env.event_id, receipt.sequence_number, e.seq)
                });
                if let Err(err) = receipt.verify(&e.env.tenant_id, &e.env.store_id, &e.signing_hash, seq_key) {
                    c.require(false, || format!("{item}: {err}"));
                }
            }
            Ok(())
        });
    }
}

struct Tree {
    computed: ComputedCommitment,
    leaves: Vec<Hash>,
    head: TreeHead,
    batch_id: Option<Uuid>,
}

fn check_commitment(rep: &mut Report, r: &At, derived: &[Option<Event>]) -> Option<Tree> {
    let events: Option<Vec<&Event>> = derived.iter().map(Option::as_ref).collect();
    let Some(events) = events.filter(|e| !e.is_empty()) else {
        rep.broken(
            "tree_levels",
            "commitment",
            &anyhow!("cannot rebuild the tree: some events are unreadable (see above)"),
        );
        return None;
    };
    let local = r.get("commitment").get("local");
    let first = events[0];
    let (tenant, store) = (first.env.tenant_id, first.env.store_id);
    let start = first.seq;
    let contiguous = events.iter().enumerate().all(|(i, e)| {
        start.checked_add(i as u64) == Some(e.seq)
            && (e.env.tenant_id, e.env.store_id) == (tenant, store)
    });
    if !contiguous {
        rep.broken(
            "tree_levels",
            "commitment",
            &anyhow!("events: expected one stream with consecutive sequence numbers from {start}, found gaps or other streams"),
        );
        return None;
    }
    let leaves: Vec<Hash> = events.iter().map(|e| e.leaf).collect();
    let computed = match commitment::compute(&tenant, &store, start, leaves.clone(), ZERO_HASH) {
        Ok(c) => c,
        Err(e) => {
            rep.broken("tree_levels", "commitment", &anyhow!("{e}"));
            return None;
        }
    };
    let tree = &computed.tree;
    let levels_at = local.get("tree_levels");
    match levels_at.arr() {
        Ok(levels) => {
            if levels.len() != tree.levels().len() {
                rep.broken(
                    "tree_levels",
                    levels_at.path(),
                    &anyhow!(
                        "expected {} levels, found {}",
                        tree.levels().len(),
                        levels.len()
                    ),
                );
            }
            for (k, (ours, theirs)) in tree.levels().iter().zip(&levels).enumerate() {
                rep.case("tree_levels", format!("level {k}"), |c| {
                    compare_list(c, theirs, ours)
                });
            }
        }
        Err(e) => rep.broken("tree_levels", "commitment.local", &e),
    }
    let root = tree.root();
    rep.case("pad_leaf", "commitment.local", |c| {
        c.hex(&local.get("pad_leaf"), &PAD_LEAF);
        Ok(())
    });
    check_commitment_record(
        rep,
        &local,
        "commitment.local",
        (&tenant, &store),
        &computed,
    );

    let server = r.get("commitment");
    let mut batch_id = None;
    let answers = [
        ("create", server.get("create").get("response")),
        (
            "get_by_batch_id",
            server.get("get_by_batch_id").get("response"),
        ),
    ];
    for (name, resp) in answers {
        rep.case("commitment_responses", name, |c| {
            c.num(&resp.get("status"), 200);
            let raw = same_json(c, &resp.get("body"), &resp.get("body_raw"))?;
            let at = At::named(&raw, format!("{}(parsed)", resp.get("body_raw").path()));
            let got: Commitment = at.parse()?;
            batch_id.get_or_insert(got.batch_id);
            compare_commitment(c, &at, &got, &computed, &tenant, &store);
            Ok(())
        });
    }
    rep.case("commitment_responses", "list_after", |c| {
        let resp = server.get("list_after").get("response");
        let raw = same_json(c, &resp.get("body"), &resp.get("body_raw"))?;
        let list = At::named(&raw, format!("{}(parsed)", resp.get("body_raw").path()));
        let entries = list.get("commitments").arr()?;
        c.num(&list.get("count"), entries.len() as u64);
        let list: Vec<Commitment> = entries.iter().map(|e| e.parse()).collect::<Result<_>>()?;
        ves_core::check_chain(&list, ves_core::ChainStart::Genesis).map_err(|e| anyhow!("{e}"))?;
        let Some(pos) = list.iter().position(|x| Some(x.batch_id) == batch_id) else {
            bail!("the created commitment {batch_id:?} is not in the list");
        };
        compare_commitment(c, &entries[pos], &list[pos], &computed, &tenant, &store);
        Ok(())
    });
    let head = match TreeHead::new(
        root,
        tree.leaf_count(),
        Some(tree.padded_leaf_count()),
        Some(tree.depth()),
    ) {
        Ok(h) => h,
        Err(e) => {
            rep.broken("inclusion_proofs", "commitment", &anyhow!("{e}"));
            return None;
        }
    };
    Some(Tree {
        computed,
        leaves,
        head,
        batch_id,
    })
}

fn compare_commitment(
    c: &mut Case,
    at: &At,
    got: &Commitment,
    want: &ComputedCommitment,
    tenant: &Uuid,
    store: &Uuid,
) {
    c.hex(&at.get("merkle_root"), &want.tree.root());
    c.num(&at.get("leaf_count"), want.tree.leaf_count());
    c.num(&at.get("padded_leaf_count"), want.tree.padded_leaf_count());
    c.num(&at.get("tree_depth"), want.tree.depth() as u64);
    c.num(&at.get("sequence_start"), want.sequence_start);
    c.num(&at.get("sequence_end"), want.sequence_end);
    c.hex(&at.get("prev_state_root"), &want.prev_state_root);
    c.hex(&at.get("new_state_root"), &want.new_state_root);
    c.text(&at.get("tenant_id"), &tenant.to_string());
    c.text(&at.get("store_id"), &store.to_string());
    c.num(&at.get("ves_version"), 1);
    c.require(got.expected_state_root() == got.new_state_root, || {
        format!(
            "{}: new_state_root does not recompute from the commitment's own fields",
            at.path()
        )
    });
}

fn check_proofs(rep: &mut Report, r: &At, tree: &Tree) {
    let root = tree.computed.tree.root();
    let start = tree.computed.sequence_start;
    match r.get("inclusion_proofs").arr() {
        Ok(proofs) => {
            for (k, p) in proofs.iter().enumerate() {
                rep.case("inclusion_proofs", format!("inclusion_proofs[{k}]"), |c| {
                    let resp = p.get("response");
                    c.num(&resp.get("status"), 200);
                    let raw = same_json(c, &resp.get("body"), &resp.get("body_raw"))?;
                    let at = At::named(&raw, format!("{}(parsed)", resp.get("body_raw").path()));
                    let got: ProofResponse = at.parse()?;
                    let seq = p.get("sequence_number").u64()?;
                    c.num(&at.get("sequence_number"), seq);
                    let index = seq
                        .checked_sub(start)
                        .filter(|i| *i < tree.leaves.len() as u64)
                        .ok_or_else(|| {
                            anyhow!("sequence_number {seq} is outside the commitment")
                        })?;
                    c.num(&at.get("leaf_index"), index);
                    c.hex(&at.get("merkle_root"), &root);
                    compare_proof(c, &at, &tree.computed.tree, index, &tree.head)?;
                    if let Some(id) = tree.batch_id {
                        c.text(&at.get("batch_id"), &id.to_string());
                    }
                    // The server's proof as sent, through the same verifier.
                    for (mode, anchor) in [
                        ("commitment", Anchor::Tree(&tree.head)),
                        ("root", Anchor::Root(&root)),
                    ] {
                        if let Err(e) = verify_inclusion(&got.proof, &got.leaf_hash, anchor) {
                            c.require(false, || {
                                format!("{}: rejected against the {mode}: {e}", at.path())
                            });
                        }
                    }
                    let lv = p.get("local_verification");
                    if lv.exists() {
                        c.hex(&lv.get("walked_root"), &root);
                    }
                    Ok(())
                });
            }
        }
        Err(e) => rep.broken("inclusion_proofs", "inclusion_proofs", &e),
    }
    match r.get("proof_verify_calls").arr() {
        Ok(calls) => {
            for (k, call) in calls.iter().enumerate() {
                let name = call.get("name").str().unwrap_or("?").to_string();
                rep.case(
                    "proof_verify_calls",
                    format!("proof_verify_calls[{k}] ({name})"),
                    |c| {
                        let req = call.get("request");
                        let body = req.get("body");
                        same_json(c, &body, &req.get("body_raw"))?;
                        let index = body.get("leaf_index").u64()?;
                        let proof_path: Vec<Hash> = body
                            .get("proof_path")
                            .arr()?
                            .iter()
                            .map(|h| h.hex::<32>())
                            .collect::<Result<_>>()?;
                        // The server recomputes directions from leaf_index (VES_V1.md §9.3).
                        let directions = Some(
                            (0..proof_path.len())
                                .map(|d| (index >> d) & 1 == 0)
                                .collect(),
                        );
                        let proof = InclusionProof {
                            leaf_index: index,
                            proof_path,
                            directions,
                        };
                        let leaf = body.get("leaf_hash").hex::<32>()?;
                        let claimed_root = body.get("merkle_root").hex::<32>()?;
                        let valid =
                            verify_inclusion(&proof, &leaf, Anchor::Root(&claimed_root)).is_ok();
                        c.flag(&call.get("expected_valid"), valid);
                        c.flag(&call.get("response").get("body").get("valid"), valid);
                        if name == "valid" {
                            let seq = call.get("sequence_number").u64()?;
                            let i = seq
                                .checked_sub(start)
                                .map(|i| i as usize)
                                .filter(|i| *i < tree.leaves.len());
                            let i = i.ok_or_else(|| {
                                anyhow!("sequence_number {seq} is outside the commitment")
                            })?;
                            c.hex(&body.get("leaf_hash"), &tree.leaves[i]);
                            c.hex(&body.get("merkle_root"), &root);
                        }
                        Ok(())
                    },
                );
            }
        }
        Err(e) => rep.broken("proof_verify_calls", "proof_verify_calls", &e),
    }
}

/// What the server must answer to a single-event request, from the data alone: the check
/// order is the server's (existing event id first, then payload hash, key, signature).
enum Outcome<'a> {
    Replay(&'a Event),
    Rejected(&'static str),
    Accepted,
}

impl Outcome<'_> {
    fn code(&self) -> &'static str {
        match self {
            Outcome::Replay(_) => "replay",
            Outcome::Rejected(code) => code,
            Outcome::Accepted => "accepted",
        }
    }
}

fn predict<'a>(
    env: &EventEnvelope,
    originals: &'a [&'a Event],
    registered_key_id: u64,
    public: &VerifyingKey,
) -> Outcome<'a> {
    if let Some(orig) = originals.iter().find(|o| o.env.event_id == env.event_id) {
        return if &orig.env == env {
            Outcome::Replay(orig)
        } else {
            Outcome::Rejected("duplicate_event_id")
        };
    }
    match env.compute_payload_plain_hash() {
        Ok(h) if h == env.payload_plain_hash => {}
        _ => return Outcome::Rejected("invalid_payload_hash"),
    }
    if u64::from(env.agent_key_id) != registered_key_id {
        return Outcome::Rejected("agent_key_invalid");
    }
    if env.verify_signature(public).is_err() {
        return Outcome::Rejected("invalid_signature");
    }
    Outcome::Accepted
}

fn code_of(reason: &str) -> &str {
    reason.split(':').next().unwrap_or("").trim()
}

fn check_rejections(
    rep: &mut Report,
    r: &At,
    derived: &[Option<Event>],
    key: &SigningKey,
    seq_key: Option<&VerifyingKey>,
) {
    let cases = match r.get("rejection_cases").arr() {
        Ok(a) => a,
        Err(e) => return rep.broken("rejection_cases", "rejection_cases", &e),
    };
    let originals: Vec<&Event> = derived.iter().filter_map(Option::as_ref).collect();
    let public = key.verifying_key();
    for (k, case) in cases.iter().enumerate() {
        let name = case.get("name").str().unwrap_or("?").to_string();
        rep.case(
            "rejection_cases",
            format!("rejection_cases[{k}] ({name})"),
            |c| {
                let req_at = case.get("request");
                same_json(c, &req_at.get("body"), &req_at.get("body_raw"))?;
                let req: IngestRequest = req_at.get("body_raw").parse_text()?;
                let [env] = req.events.as_slice() else {
                    bail!(
                        "{}: expected one event, found {}",
                        req_at.get("body_raw").path(),
                        req.events.len()
                    );
                };
                let li = case.get("local_intermediates");
                if li.exists() {
                    // What the agent signed: the sent event, before any tampering.
                    let mut signed = env.clone();
                    if li.get("created_at_signed").exists() {
                        signed.created_at = li.get("created_at_signed").str()?.to_string();
                    }
                    if li.get("payload_signed_over").exists() {
                        signed.payload = Some(li.get("payload_signed_over").req()?.clone());
                    }
                    let rc = super::recompute(&signed, Some(key))?;
                    c.text(&li.get("payload_jcs"), &rc.jcs);
                    c.hex(&li.get("payload_jcs_utf8_hex"), rc.jcs.as_bytes());
                    c.num(&li.get("payload_jcs_utf8_len"), rc.jcs.len() as u64);
                    c.hex(&li.get("payload_plain_hash"), &rc.env.payload_plain_hash);
                    c.hex(&li.get("payload_cipher_hash"), &ZERO_HASH);
                    c.hex(&li.get("signing_preimage_hex"), &rc.preimage);
                    c.num(&li.get("signing_preimage_len"), rc.preimage.len() as u64);
                    c.hex(&li.get("event_signing_hash"), &rc.signing_hash);
                    c.hex(&li.get("agent_signature"), &rc.env.agent_signature);
                    if li.get("agent_signature_valid_before_tamper").exists() {
                        c.hex(
                            &li.get("agent_signature_valid_before_tamper"),
                            &rc.env.agent_signature,
                        );
                    }
                    if li.get("agent_signature_sent").exists() {
                        c.hex(&li.get("agent_signature_sent"), &env.agent_signature);
                    }
                    if li.get("created_at_sent").exists() {
                        c.text(&li.get("created_at_sent"), &env.created_at);
                    }
                    if li.get("payload_sent_jcs").exists() {
                        let sent = env.payload_jcs().map_err(|e| anyhow!("{e}"))?;
                        c.text(&li.get("payload_sent_jcs"), &sent);
                        c.hex(
                            &li.get("payload_sent_plain_hash"),
                            &hash::payload_plain_hash_from_jcs(&sent),
                        );
                    }
                }
                let registered = r.get("agent_key_id").u64()?;
                let predicted = predict(env, &originals, registered, &public);
                let expected = case.get("expected");
                let expected_code = if expected.get("reason").exists() {
                    Some(code_of(expected.get("reason").str()?).to_string())
                } else if expected.get("receipts").exists() {
                    Some("replay".to_string())
                } else {
                    None
                };
                if let Some(want) = expected_code {
                    c.eq(
                        &format!("{} (outcome)", expected.path()),
                        predicted.code(),
                        &want,
                    );
                }
                let resp_at = case.get("response");
                same_json(c, &resp_at.get("body"), &resp_at.get("body_raw"))?;
                let resp: IngestResponse = resp_at.get("body_raw").parse_text()?;
                let observed = match (resp.rejections.first(), resp.receipts.first()) {
                    (Some(rj), _) => rj.code().to_string(),
                    (None, Some(_)) if resp.events_accepted == 0 => "replay".into(),
                    (None, Some(_)) => "accepted".into(),
                    (None, None) => "nothing".into(),
                };
                c.eq(
                    &format!("{} (outcome)", resp_at.get("body_raw").path()),
                    predicted.code(),
                    &observed,
                );
                if let Outcome::Replay(orig) = predicted {
                    if let Some(receipt) = resp.receipts.first() {
                        c.require(receipt.sequence_number == orig.seq, || {
                            format!(
                                "replayed receipt: expected the original sequence {}, found {}",
                                orig.seq, receipt.sequence_number
                            )
                        });
                        if let Err(e) = receipt.verify(
                            &orig.env.tenant_id,
                            &orig.env.store_id,
                            &orig.signing_hash,
                            seq_key,
                        ) {
                            c.require(false, || format!("replayed receipt: {e}"));
                        }
                    }
                }
                Ok(())
            },
        );
    }
}
