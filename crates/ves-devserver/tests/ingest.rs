//! `POST /api/v1/ves/events/ingest` over real HTTP: every whole-request status and every
//! per-event rejection of LIVE_OBSERVED.md / VES_V1.md §5, replays, and sequence numbers.

mod common;

use std::collections::HashSet;

use common::{post, request, resign, Agent, DevServer, ADMIN, INGEST};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::{EventEnvelope, PayloadKind, Receipt};

fn receipts(v: &Value) -> Vec<Receipt> {
    serde_json::from_value(v["receipts"].clone()).unwrap_or_default()
}

fn ingest_json(server: &DevServer, agent: &Agent, events: &[EventEnvelope]) -> Value {
    let resp = agent.ingest(server, ADMIN, events);
    resp.expect(200);
    resp.json()
}

/// The single rejection of a one-event batch: (reason, message).
fn rejected(server: &DevServer, agent: &Agent, event: &EventEnvelope) -> (String, String) {
    let v = ingest_json(server, agent, std::slice::from_ref(event));
    assert_eq!(v["eventsAccepted"], 0, "{v}");
    assert_eq!(v["eventsRejected"], 1, "{v}");
    assert_eq!(v["sequenceStart"], Value::Null);
    assert!(
        v.get("receipts").is_none(),
        "receipts omitted when empty: {v}"
    );
    let r = &v["rejections"][0];
    assert_eq!(r["event_id"], json!(event.event_id));
    (
        r["reason"].as_str().unwrap().to_string(),
        r["message"].as_str().unwrap().to_string(),
    )
}

#[test]
fn body_level_refusals_are_axum_plain_text() {
    let server = DevServer::memory();
    let agent = Agent::new(1);
    let store = Uuid::new_v4();

    // Truncated JSON: 400 (the live text, byte for byte).
    post(
        &server,
        INGEST,
        ADMIN,
        r#"{"agentId": "f3d00f4a-d334-4d34-bb89-da3d7c9ece25", "events": [ {"#,
    )
    .expect_text(
        400,
        "Failed to parse the request body as JSON: events[0].?: EOF while parsing an object at line 1 column 65",
    );

    // A missing field, and snake_case agent_id: 422.
    let mut event = serde_json::to_value(agent.event(store, 0)).unwrap();
    event.as_object_mut().unwrap().remove("agent_signature");
    let body = json!({"agentId": agent.agent, "events": [event]}).to_string();
    let resp = post(&server, INGEST, ADMIN, &body);
    resp.expect(422);
    assert!(
        resp.body.starts_with(
            "Failed to deserialize the JSON body into the target type: events[0]: missing field `agent_signature` at line 1 column"
        ),
        "{}",
        resp.body
    );
    let body = json!({"agent_id": agent.agent, "events": [agent.event(store, 1)]}).to_string();
    let resp = post(&server, INGEST, ADMIN, &body);
    resp.expect(422);
    assert!(resp.body.starts_with(
        "Failed to deserialize the JSON body into the target type: missing field `agentId`"
    ));

    // Malformed hex, payload_kind 2, a float key id: 422.
    for (field, value, says) in [
        (
            "agent_signature",
            json!("0xabcd"),
            "expected 64 bytes for Signature64",
        ),
        ("payload_plain_hash", json!("zz"), "Invalid character"),
        ("payload_kind", json!(2), "events[0].payload_kind"),
        ("agent_key_id", json!(1.0), "events[0].agent_key_id"),
    ] {
        let mut event = serde_json::to_value(agent.event(store, 2)).unwrap();
        event[field] = value;
        let body = json!({"agentId": agent.agent, "events": [event]}).to_string();
        let resp = post(&server, INGEST, ADMIN, &body);
        resp.expect(422);
        assert!(resp.body.contains(says), "{field}: {}", resp.body);
    }

    // No JSON content type: 415.
    request(
        "POST",
        &server.at(INGEST),
        &[("Authorization", &common::auth(ADMIN))],
        Some(&agent.body(&[agent.event(store, 3)])),
    )
    .expect_text(
        415,
        "Expected request with `Content-Type: application/json`",
    );

    // A body over 10 MiB: 413.
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(10 * 1024 * 1024));
    let resp = post(&server, INGEST, ADMIN, &big);
    resp.expect(413);
    assert_eq!(resp.content_type, "text/plain; charset=utf-8");
}

#[test]
fn handler_refusals_are_api_errors_in_the_real_order() {
    let server = DevServer::memory();
    let agent = Agent::new(2);
    agent.register(&server);
    let store = Uuid::new_v4();

    post(&server, INGEST, ADMIN, &agent.body(&[])).expect_api_error(
        400,
        "INVALID_FIELD_VALUE",
        3003,
        "events must not be empty",
    );

    let mut other_store = agent.event(Uuid::new_v4(), 1);
    resign(&mut other_store, &agent.key);
    agent
        .ingest(&server, ADMIN, &[agent.event(store, 0), other_store])
        .expect_api_error(
            400,
            "INVALID_FIELD_VALUE",
            3003,
            "All events in a batch must share the same tenantId and storeId",
        );

    let stranger = agent.event(store, 2);
    let body = json!({"agentId": Uuid::new_v4(), "events": [stranger]}).to_string();
    post(&server, INGEST, ADMIN, &body).expect_api_error(
        400,
        "INVALID_FIELD_VALUE",
        3003,
        "event source_agent_id must match request agent_id",
    );

    let one = agent.event(store, 3);
    let many = vec![one.clone(); 1001];
    agent.ingest(&server, ADMIN, &many).expect_api_error(
        413,
        "PAYLOAD_TOO_LARGE",
        3004,
        "Batch exceeds max_events_per_batch (1001 > 1000)",
    );

    let mut long = agent.event(store, 4);
    long.entity_type = "x".repeat(129);
    resign(&mut long, &agent.key);
    agent
        .ingest(&server, ADMIN, std::slice::from_ref(&long))
        .expect_api_error(
            400,
            "INVALID_FIELD_VALUE",
            3003,
            &format!(
                "Event {} entity_type must be between 1 and 128 characters",
                long.event_id
            ),
        );
    let mut empty = agent.event(store, 5);
    empty.entity_id = String::new();
    agent
        .ingest(&server, ADMIN, std::slice::from_ref(&empty))
        .expect_api_error(
            400,
            "INVALID_FIELD_VALUE",
            3003,
            &format!(
                "Event {} entity_id must be between 1 and 512 characters",
                empty.event_id
            ),
        );

    let mut no_payload = agent.event(store, 6);
    no_payload.payload = None;
    agent
        .ingest(&server, ADMIN, std::slice::from_ref(&no_payload))
        .expect_api_error(
            400,
            "INVALID_FIELD_VALUE",
            3003,
            &format!(
                "Event {} missing payload for plaintext payload_kind",
                no_payload.event_id
            ),
        );
    let mut encrypted_without = agent.event(store, 7);
    encrypted_without.payload = None;
    encrypted_without.payload_kind = PayloadKind::Encrypted;
    agent
        .ingest(&server, ADMIN, std::slice::from_ref(&encrypted_without))
        .expect_api_error(
            400,
            "INVALID_FIELD_VALUE",
            3003,
            &format!(
                "Event {} missing payload_encrypted for encrypted payload_kind",
                encrypted_without.event_id
            ),
        );

    let mut huge = agent.unsigned(store, 8);
    huge.payload = json!({"blob": "y".repeat(1024 * 1024)});
    let huge = huge.sign(&agent.key).unwrap();
    agent
        .ingest(&server, ADMIN, std::slice::from_ref(&huge))
        .expect_api_error(
            413,
            "PAYLOAD_TOO_LARGE",
            3004,
            &format!(
                "Event {} payload exceeds max_event_payload_size (1048587 > 1048576)",
                huge.event_id
            ),
        );

    // None of that left a trace: the stream's first event gets sequence 1.
    let v = ingest_json(&server, &agent, &[agent.event(store, 9)]);
    assert_eq!(v["sequenceStart"], 1);
}

#[test]
fn nul_anywhere_in_a_stored_event_fails_the_whole_request_with_500() {
    let server = DevServer::memory();
    let agent = Agent::new(3);
    agent.register(&server);
    let store = Uuid::new_v4();
    let good = agent.event(store, 0);
    let mut nul = agent.unsigned(store, 1);
    nul.payload = json!({"note": "a\u{0}b"});
    let nul = nul.sign(&agent.key).unwrap();
    agent
        .ingest(&server, ADMIN, &[good.clone(), nul])
        .expect_api_error(500, "INTERNAL_ERROR", 8999, "Internal server error");
    let mut key_nul = agent.unsigned(store, 2);
    key_nul.entity_id = "id\u{0}".into();
    let key_nul = key_nul.sign(&agent.key).unwrap();
    agent.ingest(&server, ADMIN, &[key_nul]).expect_api_error(
        500,
        "INTERNAL_ERROR",
        8999,
        "Internal server error",
    );
    // Nothing of the failed batches was stored.
    let v = ingest_json(&server, &agent, &[good]);
    assert_eq!(
        (v["eventsAccepted"].clone(), v["sequenceStart"].clone()),
        (json!(1), json!(1))
    );
}

#[test]
fn every_per_event_rejection_has_the_real_reason_and_message() {
    let server = DevServer::memory();
    let agent = Agent::new(4);
    agent.register(&server);
    let store = Uuid::new_v4();
    let sign = |mut e: EventEnvelope| {
        resign(&mut e, &agent.key);
        e
    };

    let mut e = agent.event(store, 0);
    e.ves_version = 2;
    assert_eq!(
        rejected(&server, &agent, &sign(e)),
        (
            "unsupported_version".into(),
            "Expected VES version 1, got 2".into()
        )
    );

    let mut e = agent.event(store, 1);
    e.payload_cipher_hash = [1; 32];
    assert_eq!(
        rejected(&server, &agent, &sign(e)),
        (
            "schema_validation: payload_cipher_hash".into(),
            "payload_cipher_hash must be zero for plaintext events".into()
        )
    );

    let mut e = agent.event(store, 2);
    e.payload_encrypted = Some(common::payload_encrypted());
    assert_eq!(
        rejected(&server, &agent, &e),
        (
            "schema_validation: payload_encrypted".into(),
            "payload_encrypted must be omitted for plaintext events".into()
        )
    );

    let mut e = agent.event(store, 3);
    e.payload_kind = PayloadKind::Encrypted;
    e.payload = None;
    e.payload_encrypted = Some(common::payload_encrypted());
    assert_eq!(
        rejected(&server, &agent, &sign(e)),
        (
            "schema_validation: payload_encrypted".into(),
            "encrypted payloads (payload_kind 1) are not supported by ves-devserver".into()
        )
    );

    let mut e = agent.event(store, 4);
    e.created_at = "yesterday".into();
    assert_eq!(
        rejected(&server, &agent, &sign(e)),
        (
            "schema_validation: created_at".into(),
            "created_at must be RFC3339".into()
        )
    );

    let mut e = agent.event(store, 5);
    e.payload = Some(json!({"n": 5, "tampered": true}));
    assert_eq!(
        rejected(&server, &agent, &e),
        (
            "invalid_payload_hash".into(),
            "Payload hash verification failed".into()
        )
    );

    let mut e = agent.event(store, 6);
    e.agent_key_id = 9;
    assert_eq!(
        rejected(&server, &agent, &sign(e)),
        (
            "agent_key_invalid: Agent key not found".into(),
            "Agent key not found".into()
        )
    );

    // Validity windows are judged at the server's clock.
    for (key_id, window, message) in [
        (
            2,
            json!({"validTo": "2020-01-01T00:00:00Z"}),
            "Agent key has expired",
        ),
        (
            3,
            json!({"validFrom": "2999-01-01T00:00:00Z"}),
            "Agent key is not yet valid",
        ),
    ] {
        let mut reg = agent.registration();
        reg["keyId"] = key_id.into();
        for (k, v) in window.as_object().unwrap() {
            reg[k] = v.clone();
        }
        post(&server, "/api/v1/agents/keys", ADMIN, &reg.to_string()).expect(200);
        let mut e = agent.event(store, 7);
        e.agent_key_id = key_id;
        assert_eq!(
            rejected(&server, &agent, &sign(e)),
            (format!("agent_key_invalid: {message}"), message.to_string())
        );
    }

    // A key that is not a curve point registers, and its events are refused.
    let mut reg = agent.registration();
    reg["keyId"] = 4.into();
    reg["publicKey"] = json!(format!("02{}", "00".repeat(31)));
    post(&server, "/api/v1/agents/keys", ADMIN, &reg.to_string()).expect(200);
    let mut e = agent.event(store, 8);
    e.agent_key_id = 4;
    assert_eq!(
        rejected(&server, &agent, &sign(e)).0,
        "agent_key_invalid: signature verification failed: invalid public key format"
    );

    let mut e = agent.event(store, 9);
    e.agent_signature[1] ^= 1;
    assert_eq!(
        rejected(&server, &agent, &e),
        (
            "invalid_signature".into(),
            "Agent signature verification failed: VerificationFailed".into()
        )
    );

    // created_at is signed verbatim: the same instant written differently fails.
    let mut e = agent.event(store, 10);
    e.created_at = "2026-01-01T00:00:00Z".into();
    assert_eq!(rejected(&server, &agent, &e).0, "invalid_signature");

    // A PQC signature scheme under the legacy profile.
    let mut v = serde_json::to_value(agent.event(store, 11)).unwrap();
    v["agent_signature_scheme"] = 2.into();
    let body = json!({"agentId": agent.agent, "events": [v]}).to_string();
    let resp = post(&server, INGEST, ADMIN, &body);
    assert_eq!(resp.json()["rejections"][0]["reason"], "invalid_signature");

    // Nothing was accepted, so nothing was numbered.
    let v = ingest_json(&server, &agent, &[agent.event(store, 12)]);
    assert_eq!(v["sequenceStart"], 1);
}

#[test]
fn duplicates_commands_and_versions() {
    let server = DevServer::memory();
    let agent = Agent::new(5);
    agent.register(&server);
    let store = Uuid::new_v4();
    let with = |n: u64, cmd: Option<Uuid>, base: Option<u64>| {
        let mut e = agent.event(store, n);
        e.entity_id = "entity-x".into();
        e.command_id = cmd;
        e.base_version = base;
        resign(&mut e, &agent.key);
        e
    };
    let cmd = Uuid::new_v4();
    let a = with(0, Some(cmd), Some(0));
    let twin = a.clone();
    let same_cmd = with(1, Some(cmd), None);
    let bad_version = with(2, None, Some(7));
    let good_version = with(3, None, Some(1));
    let invalid = {
        let mut e = with(4, None, None);
        e.agent_signature[0] ^= 1;
        e
    };
    let v = ingest_json(
        &server,
        &agent,
        &[
            a.clone(),
            invalid.clone(),
            same_cmd.clone(),
            twin,
            bad_version.clone(),
            good_version.clone(),
        ],
    );
    // Batch and replay checks first, then per-event checks, then commands, then versions.
    assert_eq!(
        v["rejections"],
        json!([
            {"event_id": a.event_id, "reason": "duplicate_event_id",
             "message": format!("Event {} duplicated in batch", a.event_id)},
            {"event_id": invalid.event_id, "reason": "invalid_signature",
             "message": "Agent signature verification failed: VerificationFailed"},
            {"event_id": same_cmd.event_id, "reason": "duplicate_command_id",
             "message": format!("Command {cmd} duplicated in batch")},
            {"event_id": bad_version.event_id, "reason": "version_conflict: expected 7, actual 1",
             "message": "Version conflict: expected 7, actual 1"},
        ])
    );
    let seqs: Vec<(Uuid, u64)> = receipts(&v)
        .iter()
        .map(|r| (r.event_id, r.sequence_number))
        .collect();
    assert_eq!(seqs, vec![(a.event_id, 1), (good_version.event_id, 2)]);
    assert_eq!(
        (v["sequenceStart"].clone(), v["sequenceEnd"].clone()),
        (json!(1), json!(2))
    );

    // The command id is taken for the stream, by another event.
    let again = with(5, Some(cmd), None);
    assert_eq!(
        rejected(&server, &agent, &again),
        (
            "duplicate_command_id".into(),
            format!("Command {cmd} already processed")
        )
    );
    // The entity is at version 2 now.
    let v = ingest_json(&server, &agent, &[with(6, None, Some(2))]);
    assert_eq!(v["eventsAccepted"], 1);
}

#[test]
fn replays_return_the_original_receipt_and_come_first() {
    let server = DevServer::memory();
    let agent = Agent::new(6);
    agent.register(&server);
    let store = Uuid::new_v4();
    // Float-heavy payloads replay idempotently too (the real server's JSONB rule is not copied;
    // the fault replay_spelling models it).
    let mut rng =
        <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(7);
    let mut events: Vec<EventEnvelope> = (0..20)
        .map(|n| {
            let mut u = agent.unsigned(store, n);
            u.payload = ves_core::generate::edge_payload(&mut rng);
            u.sign(&agent.key).unwrap()
        })
        .collect();
    events.push(agent.event(store, 99));
    let first = ingest_json(&server, &agent, &events);
    assert_eq!(first["eventsAccepted"], 21);
    let original = receipts(&first);

    let replay = ingest_json(&server, &agent, &events);
    assert_eq!(
        (
            replay["eventsAccepted"].clone(),
            replay["eventsRejected"].clone(),
            replay["sequenceStart"].clone(),
            replay["headSequence"].clone()
        ),
        (json!(0), json!(0), Value::Null, json!(21))
    );
    assert_eq!(receipts(&replay), original, "byte-identical receipts");

    // A new event then a replay: the replay's receipt comes first.
    let fresh = agent.event(store, 100);
    let v = ingest_json(&server, &agent, &[fresh.clone(), events[0].clone()]);
    let order: Vec<Uuid> = receipts(&v).iter().map(|r| r.event_id).collect();
    assert_eq!(order, vec![events[0].event_id, fresh.event_id]);
    assert_eq!(receipts(&v)[1].sequence_number, 22);

    // Same id, other content: refused.
    let mut changed = agent.unsigned(store, 5);
    changed.event_id = events[1].event_id;
    let changed = changed.sign(&agent.key).unwrap();
    assert_eq!(
        rejected(&server, &agent, &changed),
        (
            "duplicate_event_id".into(),
            "Event ID already exists with different contents".into()
        )
    );
    // Same id, another stream: refused, whatever the content.
    let mut elsewhere = events[2].clone();
    elsewhere.store_id = Uuid::new_v4();
    resign(&mut elsewhere, &agent.key);
    assert_eq!(
        rejected(&server, &agent, &elsewhere),
        (
            "duplicate_event_id".into(),
            "Event ID already exists".into()
        )
    );
}

#[test]
fn every_spelling_of_an_event_replays_with_its_receipt() {
    // A replay is judged by its signing hash and the payload's RFC 8785 text, so a re-send in
    // any legal spelling (ves_core::spelling: 7 as 7.0, 1e16, -0.0, escapes, whitespace, key
    // order) is answered with the original receipt. The real server refuses some of these
    // (LIVE_OBSERVED.md section 10): the fault replay_spelling models it (tests/faults.rs).
    use ves_core::content::ContentSource;
    use ves_core::spelling::{envelopes_body, Spelling};
    let server = DevServer::memory();
    let agent = Agent::new(16);
    agent.register(&server);
    let store = Uuid::new_v4();
    let mut rng =
        <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(8);
    let signed: Vec<(EventEnvelope, String)> = (0..30)
        .map(|n| {
            let mut u = agent.unsigned(store, n);
            u.payload = if n % 2 == 0 {
                ves_core::generate::edge_payload(&mut rng)
            } else {
                json!({"whole": [0, 7, 1e16, 1.2e17, -5.238102448364384e18, 9007199254740992.0],
                       "s": "a/é😀\n", "f": 0.1})
            };
            u.sign_with_jcs(&agent.key).unwrap()
        })
        .collect();
    let source = ContentSource::new(3, "default", "spelling", 0);
    let body = |spelling, attempt| {
        envelopes_body(
            &agent.agent.to_string(),
            &signed,
            spelling,
            &source,
            attempt,
        )
    };
    let first = post(&server, INGEST, ADMIN, &body(Spelling::Canonical, 0)).json();
    assert_eq!(first["eventsAccepted"], 30);
    for attempt in 0..4 {
        let respelled = body(Spelling::Varied, attempt);
        assert_ne!(respelled, body(Spelling::Canonical, 0));
        let v = post(&server, INGEST, ADMIN, &respelled).json();
        assert_eq!(
            (v["eventsAccepted"].clone(), v["eventsRejected"].clone()),
            (json!(0), json!(0)),
            "attempt {attempt}: {v}"
        );
        assert_eq!(receipts(&v), receipts(&first), "attempt {attempt}");
    }
}

#[test]
fn sequence_numbers_start_at_one_per_stream_and_have_no_gaps_under_concurrency() {
    let server = DevServer::memory();
    let agent = Agent::new(7);
    agent.register(&server);
    let stores: Vec<Uuid> = (0..2).map(|_| Uuid::new_v4()).collect();
    let all: Vec<(Uuid, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|t| {
                let (server, agent, store) = (&server, &agent, stores[t % 2]);
                scope.spawn(move || {
                    let mut got = Vec::new();
                    for _ in 0..5 {
                        let events = agent.events(store, 10);
                        let v = ingest_json(server, agent, &events);
                        let r = receipts(&v);
                        // Consecutive within the response, from sequenceStart.
                        let start = v["sequenceStart"].as_u64().unwrap();
                        for (i, receipt) in r.iter().enumerate() {
                            assert_eq!(receipt.sequence_number, start + i as u64);
                            assert_eq!(receipt.event_id, events[i].event_id);
                            receipt
                                .verify(&agent.tenant, &store, &events[i].signing_hash(), None)
                                .unwrap();
                        }
                        got.extend(r.iter().map(|r| (store, r.sequence_number)));
                    }
                    got
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for store in &stores {
        let seqs: HashSet<u64> = all
            .iter()
            .filter(|(s, _)| s == store)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(
            seqs,
            (1..=150).collect::<HashSet<u64>>(),
            "gap-free, unique, from 1"
        );
    }
}
