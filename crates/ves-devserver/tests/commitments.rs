//! Commitments and inclusion proofs over real HTTP, with every error of LIVE_OBSERVED.md §3.

mod common;

use common::{get, post, Agent, DevServer, ADMIN};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::{hash, Anchor, Commitment, InclusionProof};

struct Stream {
    server: DevServer,
    agent: Agent,
    store: Uuid,
    /// (signing hash, agent signature) by sequence number - 1: the client's own ledger.
    ledger: Vec<([u8; 32], [u8; 64])>,
}

fn stream_with(events: u64) -> Stream {
    let server = DevServer::memory();
    let agent = Agent::new(11);
    agent.register(&server);
    let store = Uuid::new_v4();
    let evs = agent.events(store, events);
    agent.ingest(&server, ADMIN, &evs).expect(200);
    let ledger = evs
        .iter()
        .map(|e| (e.signing_hash(), e.agent_signature))
        .collect();
    Stream {
        server,
        agent,
        store,
        ledger,
    }
}

impl Stream {
    fn commit(&self, start: u64, end: u64) -> common::Resp {
        let body = json!({"tenant_id": self.agent.tenant, "store_id": self.store,
                          "sequence_start": start, "sequence_end": end});
        post(
            &self.server,
            "/api/v1/ves/commitments",
            ADMIN,
            &body.to_string(),
        )
    }

    fn proof(&self, seq: u64, batch: &str) -> common::Resp {
        get(
            &self.server,
            &format!(
                "/api/v1/ves/proofs/{seq}?tenant_id={}&store_id={}&batch_id={batch}",
                self.agent.tenant, self.store
            ),
            ADMIN,
        )
    }

    fn leaf(&self, seq: u64) -> [u8; 32] {
        let (h, sig) = &self.ledger[seq as usize - 1];
        hash::leaf_hash(&self.agent.tenant, &self.store, seq, h, sig)
    }
}

#[test]
fn commitment_rules_and_errors() {
    let s = stream_with(10);
    s.commit(5, 4)
        .expect_text(400, "internal error: invalid sequence range");
    // Not copied from the real server: a stream's first commitment must start at 1.
    s.commit(2, 6).expect_text(
        400,
        "internal error: commitment range must start at 1 (the stream has no commitment yet)",
    );
    s.commit(1, 108).expect_text(
        400,
        "internal error: VES commitment range 1..=108 contains 10 events but expected 108",
    );

    let first = s.commit(1, 3);
    first.expect(200);
    let c1: Commitment = serde_json::from_str(&first.body).unwrap();
    assert_eq!(
        (c1.leaf_count, c1.padded_leaf_count, c1.tree_depth),
        (3, 4, 2)
    );
    let leaves: Vec<[u8; 32]> = (1..=3).map(|q| s.leaf(q)).collect();
    assert_eq!(c1.merkle_root, ves_core::merkle::merkle_root(&leaves));
    assert_eq!(c1.expected_state_root(), c1.new_state_root);
    assert!(c1.committed_at.ends_with('Z'), "{}", c1.committed_at);

    // The same range again: the same commitment.
    let again: Commitment = serde_json::from_str(&s.commit(1, 3).body).unwrap();
    assert_eq!(again, c1);
    s.commit(1, 4).expect_text(
        400,
        "internal error: commitment already exists for start 1 but ends at 3 (requested 4)",
    );
    s.commit(5, 6).expect_text(
        400,
        "internal error: commitment range must start at 4 (next after last committed sequence 3)",
    );
    s.commit(4, 11).expect_text(
        400,
        "internal error: VES commitment range 4..=11 contains 7 events but expected 8",
    );
    let second: Commitment = serde_json::from_str(&s.commit(4, 10).body).unwrap();
    ves_core::check_chain(&[c1.clone(), second.clone()], ves_core::ChainStart::Genesis).unwrap();

    // Listing and lookup.
    let list = get(
        &s.server,
        &format!(
            "/api/v1/ves/commitments?tenant_id={}&store_id={}",
            s.agent.tenant, s.store
        ),
        ADMIN,
    );
    list.expect(200);
    let v = list.json();
    assert_eq!(v["count"], 2);
    assert_eq!(v["commitments"][1]["is_anchored"], false);
    assert_eq!(v["commitments"][0]["batch_id"], json!(c1.batch_id));
    let one = get(
        &s.server,
        &format!("/api/v1/ves/commitments/{}", second.batch_id),
        ADMIN,
    );
    one.expect(200);
    for null in [
        "chain_id",
        "chain_tx_hash",
        "chain_block_number",
        "anchored_at",
    ] {
        assert_eq!(one.json()[null], Value::Null, "{null}");
    }
    get(
        &s.server,
        &format!("/api/v1/ves/commitments/{}", Uuid::new_v4()),
        ADMIN,
    )
    .expect_text(404, "Commitment not found");
    get(&s.server, "/api/v1/ves/commitments/not-a-uuid", ADMIN).expect(400);

    // Missing or wrong body fields: axum's 422.
    post(
        &s.server,
        "/api/v1/ves/commitments",
        ADMIN,
        &json!({"tenant_id": s.agent.tenant, "store_id": s.store, "sequence_start": 11})
            .to_string(),
    )
    .expect(422);
}

#[test]
fn proofs_verify_and_their_errors_are_the_real_ones() {
    let s = stream_with(13);
    let c: Commitment = serde_json::from_str(&s.commit(1, 13).body).unwrap();
    let head = c.tree_head().unwrap();
    let batch = c.batch_id.to_string();
    for seq in 1..=13 {
        let resp = s.proof(seq, &batch);
        resp.expect(200);
        let v = resp.json();
        let proof: InclusionProof = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(v["leaf_hash"], hex::encode(s.leaf(seq)));
        assert_eq!(v["merkle_root"], hex::encode(c.merkle_root));
        assert_eq!(v["sequence_number"], seq);
        ves_core::verify_inclusion(&proof, &s.leaf(seq), Anchor::Tree(&head)).unwrap();

        // The server's own verifier agrees, and refuses a tampered leaf.
        let body = |leaf: [u8; 32]| {
            json!({"leaf_hash": hex::encode(leaf), "merkle_root": hex::encode(c.merkle_root),
                   "proof_path": v["proof_path"], "leaf_index": v["leaf_index"]})
            .to_string()
        };
        let ok = post(
            &s.server,
            "/api/v1/ves/proofs/verify",
            ADMIN,
            &body(s.leaf(seq)),
        );
        assert_eq!(ok.json()["valid"], true);
        let mut bad = s.leaf(seq);
        bad[0] ^= 1;
        let no = post(&s.server, "/api/v1/ves/proofs/verify", ADMIN, &body(bad));
        assert_eq!(
            no.body,
            json!({"leaf_hash": hex::encode(bad), "merkle_root": hex::encode(c.merkle_root),
                   "valid": false})
            .to_string()
        );
    }

    s.proof(14, &batch)
        .expect_text(400, "Sequence number not in commitment range");
    s.proof(0, &batch)
        .expect_text(400, "Sequence number not in commitment range");
    s.proof(3, &Uuid::new_v4().to_string())
        .expect_text(404, "Commitment not found");
    get(
        &s.server,
        &format!(
            "/api/v1/ves/proofs/3?tenant_id={}&store_id={}",
            s.agent.tenant, s.store
        ),
        ADMIN,
    )
    .expect_text(
        400,
        "Failed to deserialize query string: missing field `batch_id`",
    );
    get(
        &s.server,
        &format!(
            "/api/v1/ves/proofs/3?tenant_id={}&store_id={}&batch_id={batch}",
            s.agent.tenant,
            Uuid::new_v4()
        ),
        ADMIN,
    )
    .expect_text(403, "Commitment access denied");

    // verify: bare hex only, at most 64 siblings.
    let prefixed = json!({"leaf_hash": format!("0x{}", hex::encode(s.leaf(1))),
                          "merkle_root": hex::encode(c.merkle_root), "proof_path": [], "leaf_index": 0});
    post(
        &s.server,
        "/api/v1/ves/proofs/verify",
        ADMIN,
        &prefixed.to_string(),
    )
    .expect_text(400, "Invalid leaf_hash format");
    let deep = json!({"leaf_hash": hex::encode(s.leaf(1)), "merkle_root": hex::encode(c.merkle_root),
                      "proof_path": vec![hex::encode([0u8; 32]); 65], "leaf_index": 0});
    post(
        &s.server,
        "/api/v1/ves/proofs/verify",
        ADMIN,
        &deep.to_string(),
    )
    .expect_text(400, "proof_path exceeds maximum length of 64");
}
