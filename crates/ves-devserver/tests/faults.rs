//! The test faults: each one is visible over HTTP the way a checking client would see it.

mod common;

use std::time::{Duration, Instant};

use common::{get, post, request, Agent, DevServer, ADMIN};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::sign::verifying_key_from_hex;
use ves_core::{EventEnvelope, InclusionProof, Receipt};

fn setup(faults: &str) -> (DevServer, Agent, Uuid) {
    let server = DevServer::start_with(&["--memory"], &[("VES_DEVSERVER_FAULT", faults)]);
    let agent = Agent::new(51);
    agent.register(&server);
    (server, agent, Uuid::new_v4())
}

fn receipts(v: &Value) -> Vec<Receipt> {
    serde_json::from_value(v["receipts"].clone()).unwrap()
}

/// Which receipts of a batch fail the hash check and which fail the signature check.
fn broken(
    server: &DevServer,
    agent: &Agent,
    store: Uuid,
    events: &[EventEnvelope],
) -> (Vec<u64>, Vec<u64>) {
    let key = verifying_key_from_hex(&server.public_key).unwrap();
    let v = agent.ingest(server, ADMIN, events).json();
    let (mut bad_hash, mut bad_sig) = (Vec::new(), Vec::new());
    for (r, e) in receipts(&v).iter().zip(events) {
        if r.verify(&agent.tenant, &store, &e.signing_hash(), None)
            .is_err()
        {
            bad_hash.push(r.sequence_number);
        } else if r
            .verify(&agent.tenant, &store, &e.signing_hash(), Some(&key))
            .is_err()
        {
            bad_sig.push(r.sequence_number);
        }
    }
    (bad_hash, bad_sig)
}

#[test]
fn bad_receipt_hash_and_signature_every_nth() {
    let (server, agent, store) = setup("bad_receipt_hash=4,bad_receipt_signature=3");
    let events = agent.events(store, 12);
    let (bad_hash, bad_sig) = broken(&server, &agent, store, &events);
    assert_eq!(bad_hash, [4, 8, 12]);
    // 3, 6, 9, 12 have bad signatures; 12's hash is already wrong.
    assert_eq!(bad_sig, [3, 6, 9]);
    // Storage is right: a replay returns the true receipts.
    let replay = agent.ingest(&server, ADMIN, &events).json();
    let key = verifying_key_from_hex(&server.public_key).unwrap();
    for (r, e) in receipts(&replay).iter().zip(&events) {
        r.verify(&agent.tenant, &store, &e.signing_hash(), Some(&key))
            .unwrap();
    }
}

#[test]
fn skip_sequence_leaves_a_real_gap() {
    let (server, agent, store) = setup("skip_sequence=3");
    let v = agent.ingest(&server, ADMIN, &agent.events(store, 4)).json();
    let seqs: Vec<u64> = receipts(&v).iter().map(|r| r.sequence_number).collect();
    assert_eq!(seqs, [1, 2, 4, 5]);
    let commit = json!({"tenant_id": agent.tenant, "store_id": store,
                        "sequence_start": 1, "sequence_end": 5});
    post(
        &server,
        "/api/v1/ves/commitments",
        ADMIN,
        &commit.to_string(),
    )
    .expect_text(
        400,
        "internal error: VES commitment range 1..=5 contains 4 events but expected 5",
    );
}

#[test]
fn duplicate_sequence_lies_once_in_a_receipt() {
    let (server, agent, store) = setup("duplicate_sequence=3");
    let events = agent.events(store, 4);
    let v = agent.ingest(&server, ADMIN, &events).json();
    let seqs: Vec<u64> = receipts(&v).iter().map(|r| r.sequence_number).collect();
    assert_eq!(seqs, [1, 2, 2, 4]);
    // The lie is self-consistent (hash and signature verify); only the numbering betrays it.
    let key = verifying_key_from_hex(&server.public_key).unwrap();
    receipts(&v)[2]
        .verify(&agent.tenant, &store, &events[2].signing_hash(), Some(&key))
        .unwrap();
    let replay = agent.ingest(&server, ADMIN, &events[2..3]).json();
    assert_eq!(receipts(&replay)[0].sequence_number, 3);
}

#[test]
fn corrupt_proof_every_nth() {
    let (server, agent, store) = setup("corrupt_proof=2");
    let events = agent.events(store, 4);
    agent.ingest(&server, ADMIN, &events).expect(200);
    let commit = json!({"tenant_id": agent.tenant, "store_id": store,
                        "sequence_start": 1, "sequence_end": 4});
    let c: ves_core::Commitment = serde_json::from_str(
        &post(
            &server,
            "/api/v1/ves/commitments",
            ADMIN,
            &commit.to_string(),
        )
        .body,
    )
    .unwrap();
    let head = c.tree_head().unwrap();
    let verdicts: Vec<bool> = (1..=4u64)
        .map(|seq| {
            let resp = get(
                &server,
                &format!(
                    "/api/v1/ves/proofs/{seq}?tenant_id={}&store_id={store}&batch_id={}",
                    agent.tenant, c.batch_id
                ),
                ADMIN,
            );
            let proof: InclusionProof = serde_json::from_str(&resp.body).unwrap();
            let e = &events[seq as usize - 1];
            let leaf = ves_core::leaf_hash(
                &agent.tenant,
                &store,
                seq,
                &e.signing_hash(),
                &e.agent_signature,
            );
            ves_core::verify_inclusion(&proof, &leaf, ves_core::Anchor::Tree(&head)).is_ok()
        })
        .collect();
    assert_eq!(verdicts, [true, false, true, false]);
}

#[test]
fn shed_load_answers_503_in_its_window_only() {
    let started = Instant::now();
    let (server, agent, store) = {
        let server = DevServer::start(&["--memory", "--fault", "shed_load=0-2"]);
        (server, Agent::new(52), Uuid::new_v4())
    };
    let head = format!("/api/v1/head?tenant_id={}&store_id={store}", agent.tenant);
    let shed = get(&server, &head, ADMIN);
    shed.expect_auth_error(503, "pool_exhausted", "Service temporarily unavailable");
    // Even without credentials, as the real middleware sheds before authenticating.
    request("GET", &server.at(&head), &[], None).expect(503);
    request("GET", &server.at("/health"), &[], None).expect(200);
    std::thread::sleep(
        Duration::from_secs(2).saturating_sub(started.elapsed()) + Duration::from_millis(200),
    );
    get(&server, &head, ADMIN).expect(200);
}
