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
        // A 5-second window: wide enough that a loaded machine still sends the first requests
        // inside it, whatever else the machine is doing.
        let server = DevServer::start(&["--memory", "--fault", "shed_load=0-5"]);
        (server, Agent::new(52), Uuid::new_v4())
    };
    let head = format!("/api/v1/head?tenant_id={}&store_id={store}", agent.tenant);
    let shed = get(&server, &head, ADMIN);
    shed.expect_auth_error(503, "pool_exhausted", "Service temporarily unavailable");
    // Even without credentials, as the real middleware sheds before authenticating.
    request("GET", &server.at(&head), &[], None).expect(503);
    request("GET", &server.at("/health"), &[], None).expect(200);
    std::thread::sleep(
        Duration::from_secs(5).saturating_sub(started.elapsed()) + Duration::from_millis(200),
    );
    get(&server, &head, ADMIN).expect(200);
}

/// The rejection reasons and messages of an ingest answer, in order.
fn rejections(v: &Value) -> Vec<(String, String)> {
    v["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_string(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The canonical body of events (ves_core::spelling), payload texts computed here.
fn canonical(agent: &Agent, events: &[EventEnvelope]) -> String {
    let signed: Vec<(EventEnvelope, String)> = events
        .iter()
        .map(|e| (e.clone(), e.payload_jcs().unwrap()))
        .collect();
    let source = ves_core::content::ContentSource::new(0, "t", "spelling", 0);
    ves_core::spelling::envelopes_body(
        &agent.agent.to_string(),
        &signed,
        ves_core::spelling::Spelling::Canonical,
        &source,
        0,
    )
}

#[test]
fn replay_spelling_refuses_where_the_real_server_does() {
    // LIVE_OBSERVED.md section 10; the rule's cases are in src/jsonb.rs.
    let (server, agent, store) = setup("replay_spelling");
    let with = |n: u64, payload: Value| {
        let mut u = agent.unsigned(store, n);
        u.payload = payload;
        u.sign(&agent.key).unwrap()
    };
    // serde_json writes 1e16 as `1e16`: a whole float from 1e16, refused on an exact replay.
    let events = vec![
        with(1, json!({"x": 1e16})),
        with(
            2,
            json!({"n": 7, "total": 99.99, "big": 9007199254740992.0}),
        ),
    ];
    let first = agent.ingest(&server, ADMIN, &events).json();
    assert_eq!(first["eventsAccepted"], 2);
    let again = agent.ingest(&server, ADMIN, &events).json();
    assert_eq!(again["eventsAccepted"], 0);
    assert_eq!(
        rejections(&again),
        [(
            "duplicate_event_id".to_string(),
            "Event ID already exists with different contents".to_string()
        )]
    );
    assert_eq!(
        again["rejections"][0]["event_id"],
        json!(events[0].event_id)
    );
    let r = receipts(&again);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0], receipts(&first)[1], "the other replays honestly");

    // The canonical spelling of a whole number (digits) replays; 7 re-sent as 7.0 does not,
    // although the signing hash and the canonical payload are the same.
    let seven = vec![with(3, json!({"n": 7, "z": 0}))];
    let body = canonical(&agent, &seven);
    assert!(body.contains(r#""payload":{"n":7,"z":0}"#), "{body}");
    let first = post(&server, common::INGEST, ADMIN, &body).json();
    assert_eq!(first["eventsAccepted"], 1);
    let exact = post(&server, common::INGEST, ADMIN, &body).json();
    assert_eq!(receipts(&exact), receipts(&first));
    for respelled in [
        r#""payload":{"n":7.0,"z":0}"#,
        r#""payload":{"n":7,"z":-0.0}"#,
    ] {
        let other = body.replace(r#""payload":{"n":7,"z":0}"#, respelled);
        let v = post(&server, common::INGEST, ADMIN, &other).json();
        assert_eq!(v["eventsRejected"], 1, "{respelled}: {v}");
        assert_eq!(rejections(&v)[0].0, "duplicate_event_id");
    }
    // Without the fault, every spelling replays (tests/ingest.rs).
}

#[test]
fn replay_broken_refuses_then_renumbers() {
    let (server, agent, store) = setup("replay_broken=1");
    let events = agent.events(store, 2);
    let first = receipts(&agent.ingest(&server, ADMIN, &events).json());
    let again = agent.ingest(&server, ADMIN, &events).json();
    assert_eq!(again["eventsAccepted"], 0);
    // Replay 1 refused, replay 2 renumbered (head + 1 = 3) with a receipt that verifies.
    assert_eq!(rejections(&again)[0].0, "duplicate_event_id");
    let r = receipts(&again);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].event_id, events[1].event_id);
    assert_eq!((first[1].sequence_number, r[0].sequence_number), (2, 3));
    let key = verifying_key_from_hex(&server.public_key).unwrap();
    r[0].verify(&agent.tenant, &store, &events[1].signing_hash(), Some(&key))
        .unwrap();
    // Storage is right: the next new event still gets 3.
    let next = receipts(
        &agent
            .ingest(&server, ADMIN, &[agent.event(store, 9)])
            .json(),
    );
    assert_eq!(next[0].sequence_number, 3);
}

#[test]
fn accept_invalid_signature_every_nth() {
    let (server, agent, store) = setup("accept_invalid_signature=2");
    let mut events = agent.events(store, 4);
    for e in &mut events {
        e.agent_signature[0] ^= 1;
    }
    let v = agent.ingest(&server, ADMIN, &events).json();
    assert_eq!(v["eventsAccepted"], 2);
    assert_eq!(rejections(&v).len(), 2);
    assert!(rejections(&v).iter().all(|(r, _)| r == "invalid_signature"));
}

#[test]
fn reorder_entity_reads_reverses_an_entity_history() {
    let (server, agent, store) = setup("reorder_entity_reads=2");
    // entity_id is order-{n % 5}: order-0 holds the events at 0, 5 and 10 (sequence 1, 6, 11).
    agent
        .ingest(&server, ADMIN, &agent.events(store, 11))
        .expect(200);
    let q = format!("tenant_id={}&store_id={store}", agent.tenant);
    let read = |id: &str| -> Vec<u64> {
        get(&server, &format!("/api/v1/entities/order/{id}?{q}"), ADMIN).json()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["envelope"]["sequence_number"].as_u64().unwrap())
            .collect()
    };
    // Every 2nd read of two or more events is reversed: the 1st and 3rd are in order; an empty
    // history is not counted.
    assert_eq!(read("order-4"), [5, 10]);
    assert_eq!(read("order-0"), [11, 6, 1]);
    assert_eq!(read("order-0"), [1, 6, 11]);
    assert_eq!(read("nothing"), Vec::<u64>::new());
}
