//! The legacy reads, served from the devserver's VES events in the real legacy shapes.

mod common;

use common::{get, Agent, DevServer, ADMIN};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[test]
fn head_events_and_entity_history_in_the_legacy_shapes() {
    let server = DevServer::memory();
    let agent = Agent::new(31);
    agent.register(&server);
    let store = Uuid::new_v4();
    let q = format!("tenant_id={}&store_id={}", agent.tenant, store);

    get(&server, &format!("/api/v1/head?{q}"), ADMIN).expect(200);
    assert_eq!(
        get(&server, &format!("/api/v1/head?{q}"), ADMIN).json(),
        json!({"head_sequence": 0})
    );
    let mut first = agent.unsigned(store, 0);
    first.created_at = "2026-11-28T02:15:34.753+01:00".into();
    let mut events = vec![first.sign(&agent.key).unwrap()];
    events.extend(agent.events(store, 11));
    agent.ingest(&server, ADMIN, &events).expect(200);
    assert_eq!(
        get(&server, &format!("/api/v1/head?{q}"), ADMIN).json(),
        json!({"head_sequence": 12})
    );

    let page = get(
        &server,
        &format!("/api/v1/events?{q}&from=1&limit=5"),
        ADMIN,
    );
    page.expect(200);
    let v = page.json();
    assert_eq!(v["count"], 5);
    let e0 = &v["events"][0];
    let payload_text = serde_json::to_string(events[0].payload.as_ref().unwrap()).unwrap();
    assert_eq!(
        e0["envelope"],
        json!({
            "created_at": "2026-11-28T01:15:34.753Z",
            "entity_id": events[0].entity_id,
            "entity_type": "order",
            "envelope_version": 1,
            "event_id": events[0].event_id,
            "event_type": "order.updated",
            "payload": events[0].payload,
            "payload_hash": hex::encode(Sha256::digest(payload_text.as_bytes())),
            "sequence_number": 1,
            "source_agent": agent.agent,
            "store_id": store,
            "tenant_id": agent.tenant,
        })
    );
    assert!(e0["sequenced_at"].as_str().unwrap().ends_with('Z'));
    let seqs: Vec<u64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["envelope"]["sequence_number"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    let tail = get(&server, &format!("/api/v1/events?{q}&from=10"), ADMIN).json();
    assert_eq!(tail["count"], 3);
    get(&server, &format!("/api/v1/events?{q}&limit=0"), ADMIN)
        .expect_text(400, "limit must be greater than 0");
    get(&server, "/api/v1/events", ADMIN).expect_text(
        400,
        "Failed to deserialize query string: missing field `tenant_id`",
    );
    get(&server, "/api/v1/head", ADMIN).expect_text(
        400,
        "Failed to deserialize query string: missing field `tenant_id`",
    );

    // Entity order-0 has the events at indices 0, 1, 6 and 11 (entity_id is order-{n % 5}).
    let entity = |extra: &str| {
        get(
            &server,
            &format!("/api/v1/entities/order/order-0?{q}{extra}"),
            ADMIN,
        )
        .json()
    };
    let all = entity("");
    assert_eq!(
        (
            all["count"].clone(),
            all["total"].clone(),
            all["has_more"].clone()
        ),
        (json!(4), json!(4), json!(false))
    );
    assert_eq!(all["entity_type"], "order");
    let page = entity("&from=1&limit=1");
    assert_eq!(
        (page["count"].clone(), page["has_more"].clone()),
        (json!(1), json!(true))
    );
    assert_eq!(
        page["events"][0]["envelope"]["event_id"],
        json!(events[1].event_id)
    );
    let none: Value = get(
        &server,
        &format!("/api/v1/entities/order/nothing?{q}"),
        ADMIN,
    )
    .json();
    assert_eq!(none["events"], json!([]));

    // As on the real server, there is no VES head or VES event listing route.
    for path in ["/api/v1/ves/head", "/api/v1/ves/events"] {
        let resp = get(&server, &format!("{path}?{q}"), ADMIN);
        assert_eq!((resp.status, resp.body.as_str()), (404, ""), "{path}");
    }
}
