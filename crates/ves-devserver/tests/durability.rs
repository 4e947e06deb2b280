//! A receipt is only answered once its event is durable: `kill -9` the real binary in the
//! middle of a load, restart it on the same data folder, and every receipted event is there
//! with its sequence number (an exact replay returns the stored receipt), the streams have no
//! gaps (committing [1, head] succeeds), and proofs verify.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{get, post, Agent, DevServer, TempDir, ADMIN, INGEST};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::{Anchor, Commitment, EventEnvelope, InclusionProof, Receipt};

/// What a load client got back: each acknowledged event with its receipt.
type Ledger = Vec<(EventEnvelope, Receipt)>;

fn load_until_refused(url: &str, agent: &Agent, store: Uuid, stop: &AtomicBool) -> Ledger {
    let client = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let mut ledger = Ledger::new();
    while !stop.load(Ordering::Relaxed) {
        let events = agent.events(store, 40);
        let sent = client
            .post(&format!("{url}{INGEST}"))
            .set("Authorization", &common::auth(ADMIN))
            .set("Content-Type", "application/json")
            .send_string(&agent.body(&events));
        let Ok(response) = sent else {
            break; // the server is gone
        };
        let Ok(v) = response.into_json::<Value>() else {
            break;
        };
        let receipts: Vec<Receipt> = serde_json::from_value(v["receipts"].clone()).unwrap();
        assert_eq!(receipts.len(), events.len());
        ledger.extend(events.into_iter().zip(receipts));
    }
    ledger
}

fn crash_and_check(sync: &str) {
    let dir = TempDir::new(&format!("kill9-{sync}"));
    let args = ["--data", dir.path(), "--sync", sync];
    let mut server = DevServer::start(&args);
    let agent = Agent::new(61);
    agent.register(&server);
    let stores = [Uuid::new_v4(), Uuid::new_v4()];
    let stop = AtomicBool::new(false);
    let url = server.url.clone();

    let ledgers: Vec<(Uuid, Ledger)> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..4)
            .map(|i| {
                let (url, agent, stop, store) = (&url, &agent, &stop, stores[i % 2]);
                scope.spawn(move || (store, load_until_refused(url, agent, store, stop)))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1200));
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let acknowledged: usize = ledgers.iter().map(|(_, l)| l.len()).sum();
    eprintln!("sync={sync}: {acknowledged} events receipted before kill -9");
    assert!(
        acknowledged >= 200,
        "the load ran ({acknowledged} receipts)"
    );

    let server = DevServer::start(&args);
    for store in stores {
        let ledger: Vec<&(EventEnvelope, Receipt)> = ledgers
            .iter()
            .filter(|(s, _)| *s == store)
            .flat_map(|(_, l)| l)
            .collect();
        // Every acknowledged event is stored with its receipt: replays return it unchanged.
        for chunk in ledger.chunks(200) {
            let events: Vec<EventEnvelope> = chunk.iter().map(|(e, _)| e.clone()).collect();
            let resp = agent.ingest(&server, ADMIN, &events);
            resp.expect(200);
            let v = resp.json();
            assert_eq!(v["eventsAccepted"], 0, "nothing acknowledged was lost");
            let stored: Vec<Receipt> = serde_json::from_value(v["receipts"].clone()).unwrap();
            let expected: Vec<Receipt> = chunk.iter().map(|(_, r)| r.clone()).collect();
            assert_eq!(stored, expected);
        }
        // No gaps: [1, head] commits, and head is at least every acknowledged number.
        let head = get(
            &server,
            &format!("/api/v1/head?tenant_id={}&store_id={store}", agent.tenant),
            ADMIN,
        )
        .json()["head_sequence"]
            .as_u64()
            .unwrap();
        let max_acknowledged = ledger.iter().map(|(_, r)| r.sequence_number).max().unwrap();
        assert!(head >= max_acknowledged);
        let commit = json!({"tenant_id": agent.tenant, "store_id": store,
                            "sequence_start": 1, "sequence_end": head});
        let resp = post(
            &server,
            "/api/v1/ves/commitments",
            ADMIN,
            &commit.to_string(),
        );
        resp.expect(200);
        let c: Commitment = serde_json::from_str(&resp.body).unwrap();
        let tree = c.tree_head().unwrap();
        // Proofs of acknowledged events verify against our own leaves.
        for (e, r) in ledger.iter().step_by(37) {
            let resp = get(
                &server,
                &format!(
                    "/api/v1/ves/proofs/{}?tenant_id={}&store_id={store}&batch_id={}",
                    r.sequence_number, agent.tenant, c.batch_id
                ),
                ADMIN,
            );
            let proof: InclusionProof = serde_json::from_str(&resp.body).unwrap();
            let leaf = ves_core::leaf_hash(
                &agent.tenant,
                &store,
                r.sequence_number,
                &e.signing_hash(),
                &e.agent_signature,
            );
            ves_core::verify_inclusion(&proof, &leaf, Anchor::Tree(&tree)).unwrap();
        }
    }
}

#[test]
fn kill_9_mid_load_loses_no_receipted_event_sync_normal() {
    crash_and_check("normal");
}

#[test]
fn kill_9_mid_load_loses_no_receipted_event_sync_full() {
    crash_and_check("full");
}
