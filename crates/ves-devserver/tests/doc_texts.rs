//! The "Error texts" table of docs/DEVSERVER.md, row by row, against a running devserver: every
//! documented text must be provoked here and answered exactly (variable parts `<…>` aside),
//! with the documented status. A row without a case fails.

mod common;

use std::collections::BTreeSet;

use common::{
    get, payload_encrypted, post, request, resign, Agent, DevServer, Resp, ADMIN, INGEST,
};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::{EventEnvelope, PayloadKind};

/// (status, text) of every row between the table's markers.
fn documented() -> Vec<(u16, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/DEVSERVER.md");
    let doc = std::fs::read_to_string(path).expect("docs/DEVSERVER.md");
    let table = doc
        .split("<!-- error-texts:begin -->")
        .nth(1)
        .and_then(|t| t.split("<!-- error-texts:end -->").next())
        .expect("the error-texts markers");
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let status = cells.first()?.trim_start_matches("| ").parse().ok()?;
            let cell = cells.get(1)?.trim();
            // `text`, or ``text with `backticks` `` (one space of padding trimmed).
            let text = match cell.strip_prefix("``").and_then(|c| c.strip_suffix("``")) {
                Some(inner) => inner.trim(),
                None => cell.strip_prefix('`')?.strip_suffix('`')?,
            };
            Some((status, text.to_string()))
        })
        .collect()
}

/// Whether `actual` is `template` with each `<…>` replaced by some non-empty text.
fn matches(template: &str, actual: &str) -> bool {
    let mut literals = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .map(|c| open + c)
            .unwrap_or(rest.len() - 1);
        literals.push(&rest[..open]);
        rest = &rest[close + 1..];
    }
    literals.push(rest);
    if literals.len() == 1 {
        return actual == template;
    }
    let (first, last) = (literals[0], literals[literals.len() - 1]);
    if !actual.starts_with(first) || !actual.ends_with(last) {
        return false;
    }
    let mut at = first.len();
    let end = actual.len() - last.len();
    for lit in &literals[1..literals.len() - 1] {
        // A placeholder takes at least one character before the next literal.
        match actual[..end].get(at + 1..).and_then(|tail| tail.find(lit)) {
            Some(i) => at = at + 1 + i + lit.len(),
            None => return false,
        }
    }
    at < end
}

/// The text an answer carries: auth/agents `error`, `ApiError` `error.message`, a per-event
/// rejection's `message`, or the plain-text body.
fn text_of(resp: &Resp) -> String {
    if !resp.content_type.starts_with("application/json") {
        return resp.body.clone();
    }
    let v = resp.json();
    if let Some(s) = v["error"].as_str() {
        return s.to_string();
    }
    if let Some(s) = v["error"]["message"].as_str() {
        return s.to_string();
    }
    v["rejections"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error text in {}", resp.body))
        .to_string()
}

struct Fx {
    server: DevServer,
    agent: Agent,
    store: Uuid,
}

impl Fx {
    fn new() -> Fx {
        let server = DevServer::memory();
        let agent = Agent::new(60);
        agent.register(&server);
        Fx {
            server,
            agent,
            store: Uuid::new_v4(),
        }
    }

    fn event(&self) -> EventEnvelope {
        self.agent.event(self.store, rand_n())
    }

    fn ingest(&self, events: &[EventEnvelope]) -> Resp {
        self.agent.ingest(&self.server, ADMIN, events)
    }

    fn ingest_with(&self, key: &str, agent_id: Uuid, events: &[EventEnvelope]) -> Resp {
        let body = json!({"agentId": agent_id, "events": events}).to_string();
        post(&self.server, INGEST, key, &body)
    }

    fn mint(&self, by: &str, body: Value) -> String {
        let resp = self.post_as(
            by,
            &format!("/api/v1/agents/{}/api-keys", self.agent.agent),
            body,
        );
        resp.expect(200);
        resp.json()["apiKey"].as_str().unwrap().to_string()
    }

    fn post_as(&self, key: &str, path: &str, body: Value) -> Resp {
        post(&self.server, path, key, &body.to_string())
    }

    fn register(&self, extra: Value) -> Resp {
        let mut body = self.agent.registration();
        body["keyId"] = json!(rand_n() + 100);
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post_as(ADMIN, "/api/v1/agents/keys", body)
    }

    fn commit(&self, start: u64, end: u64) -> Resp {
        self.post_as(
            ADMIN,
            "/api/v1/ves/commitments",
            json!({"tenant_id": self.agent.tenant, "store_id": self.store,
                   "sequence_start": start, "sequence_end": end}),
        )
    }

    fn verify(&self, leaf: &str, root: &str, path: Vec<String>) -> Resp {
        self.post_as(
            ADMIN,
            "/api/v1/ves/proofs/verify",
            json!({"leaf_hash": leaf, "merkle_root": root, "proof_path": path, "leaf_index": 0}),
        )
    }
}

fn rand_n() -> u64 {
    u64::from(Uuid::new_v4().as_fields().1)
}

/// An event signed for a key id registered (or not) with `extra`.
fn event_for_key(fx: &Fx, key_id: u32, extra: Option<Value>) -> EventEnvelope {
    if let Some(extra) = extra {
        let mut body = fx.agent.registration();
        body["keyId"] = json!(key_id);
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        fx.post_as(ADMIN, "/api/v1/agents/keys", body).expect(200);
    }
    let mut agent = fx.agent.clone();
    agent.key_id = key_id;
    agent.event(fx.store, rand_n())
}

/// Provokes `text`; `None` when no case exists for it.
fn provoke(fx: &Fx, text: &str) -> Option<Resp> {
    let head = format!(
        "/api/v1/head?tenant_id={}&store_id={}",
        fx.agent.tenant, fx.store
    );
    let h = hex::encode([7u8; 32]);
    let one = |mut e: EventEnvelope, change: &dyn Fn(&mut EventEnvelope), sign: bool| {
        change(&mut e);
        if sign {
            resign(&mut e, &fx.agent.key);
        }
        fx.ingest(&[e])
    };
    Some(match text {
        "Missing authentication" => request("GET", &fx.server.at(&head), &[], None),
        "Invalid API key" => get(&fx.server, &head, "ss_unknown"),
        "Invalid JWT" => request(
            "GET",
            &fx.server.at(&head),
            &[("Authorization", "Bearer x")],
            None,
        ),
        "Rate limit exceeded" => {
            let key = fx.mint(ADMIN, json!({"rateLimit": 1}));
            get(&fx.server, &head, &key).expect(200);
            get(&fx.server, &head, &key)
        }
        "Service temporarily unavailable" => {
            let shedding = DevServer::start(&["--memory", "--fault", "shed_load=0-600"]);
            get(&shedding, &head, ADMIN)
        }
        "Expected request with `Content-Type: application/json`" => request(
            "POST",
            &fx.server.at(INGEST),
            &[("Authorization", &common::auth(ADMIN))],
            Some("{}"),
        ),
        "Failed to buffer the request body: length limit exceeded" => post(
            &fx.server,
            INGEST,
            ADMIN,
            &format!("{{\"x\":\"{}\"}}", "a".repeat(10 * 1024 * 1024)),
        ),
        "Failed to parse the request body as JSON: <serde_json error>" => {
            post(&fx.server, INGEST, ADMIN, "{")
        }
        "Failed to deserialize the JSON body into the target type: <path>: <serde error>" => {
            post(&fx.server, INGEST, ADMIN, r#"{"agentId":"x","events":[]}"#)
        }
        "Failed to deserialize query string: <serde error>" => {
            get(&fx.server, "/api/v1/head?tenant_id=x", ADMIN)
        }
        "events must not be empty" => fx.ingest(&[]),
        "All events in a batch must share the same tenantId and storeId" => {
            let other = fx.agent.event(Uuid::new_v4(), 1);
            fx.ingest(&[fx.event(), other])
        }
        "Agent mismatch" => {
            let key = fx.mint(ADMIN, json!({}));
            fx.ingest_with(&key, Uuid::new_v4(), &[fx.event()])
        }
        "event source_agent_id must match request agent_id" => {
            fx.ingest_with(ADMIN, Uuid::new_v4(), &[fx.event()])
        }
        "Write permission required" => {
            let key = fx.mint(ADMIN, json!({"readOnly": true}));
            fx.ingest_with(&key, fx.agent.agent, &[fx.event()])
        }
        "Tenant access denied" => {
            let key = fx.mint(ADMIN, json!({}));
            let mut foreign = fx.agent.clone();
            foreign.tenant = Uuid::new_v4();
            fx.ingest_with(&key, fx.agent.agent, &[foreign.event(fx.store, 1)])
        }
        "Store access denied" => {
            let key = fx.mint(ADMIN, json!({"storeIds": [fx.store]}));
            let elsewhere = fx.agent.event(Uuid::new_v4(), 1);
            fx.ingest_with(&key, fx.agent.agent, &[elsewhere])
        }
        "Batch exceeds max_events_per_batch (<n> > 1000)" => fx.ingest(&vec![fx.event(); 1001]),
        "Event <id> <field> must be between 1 and <max> characters" => {
            one(fx.event(), &|e| e.event_type = String::new(), false)
        }
        "Event <id> missing payload for plaintext payload_kind" => {
            one(fx.event(), &|e| e.payload = None, false)
        }
        "Event <id> missing payload_encrypted for encrypted payload_kind" => one(
            fx.event(),
            &|e| {
                e.payload = None;
                e.payload_kind = PayloadKind::Encrypted;
            },
            false,
        ),
        "Event <id> payload exceeds max_event_payload_size (<n> > 1048576)" => one(
            fx.event(),
            &|e| e.payload = Some(json!({"blob": "y".repeat(1024 * 1024)})),
            false,
        ),
        "Internal server error" => {
            let mut u = fx.agent.unsigned(fx.store, 1);
            u.payload = json!({"note": "a\u{0}b"});
            fx.ingest(&[u.sign(&fx.agent.key).unwrap()])
        }
        "Event <id> duplicated in batch" => {
            let e = fx.event();
            fx.ingest(&[e.clone(), e])
        }
        "Event ID already exists" => {
            let e = fx.event();
            fx.ingest(std::slice::from_ref(&e)).expect(200);
            one(e, &|e| e.store_id = Uuid::new_v4(), true)
        }
        "Event ID already exists with different contents" => {
            let e = fx.event();
            fx.ingest(std::slice::from_ref(&e)).expect(200);
            one(e, &|e| e.entity_id = "other".into(), true)
        }
        "Expected VES version 1, got <v>" => one(fx.event(), &|e| e.ves_version = 2, false),
        "payload_encrypted must be omitted for plaintext events" => one(
            fx.event(),
            &|e| e.payload_encrypted = Some(payload_encrypted()),
            false,
        ),
        "payload_cipher_hash must be zero for plaintext events" => {
            one(fx.event(), &|e| e.payload_cipher_hash = [1; 32], true)
        }
        "payload must be omitted for encrypted events" => one(
            fx.event(),
            &|e| {
                e.payload_kind = PayloadKind::Encrypted;
                e.payload_encrypted = Some(payload_encrypted());
            },
            true,
        ),
        "encrypted payloads (payload_kind 1) are not supported by ves-devserver" => one(
            fx.event(),
            &|e| {
                e.payload_kind = PayloadKind::Encrypted;
                e.payload = None;
                e.payload_encrypted = Some(payload_encrypted());
            },
            true,
        ),
        "created_at must be RFC3339" => one(fx.event(), &|e| e.created_at = "x".into(), true),
        "Payload hash verification failed" => {
            one(fx.event(), &|e| e.payload = Some(json!({"n": -1})), true)
        }
        "Agent key not found" => fx.ingest(&[event_for_key(fx, 77, None)]),
        "Agent key has expired" => fx.ingest(&[event_for_key(
            fx,
            78,
            Some(json!({"validTo": "2001-01-01T00:00:00Z"})),
        )]),
        "Agent key is not yet valid" => fx.ingest(&[event_for_key(
            fx,
            79,
            Some(json!({"validFrom": "2999-01-01T00:00:00Z"})),
        )]),
        "signature verification failed: invalid public key format" => {
            fx.ingest(&[event_for_key(fx, 80, Some(json!({"keyAlgorithm": 2})))])
        }
        "Agent signature verification failed: VerificationFailed" => {
            one(fx.event(), &|e| e.agent_signature[0] ^= 1, false)
        }
        "Command <id> duplicated in batch" => {
            let cmd = Some(Uuid::new_v4());
            let (mut a, mut b) = (fx.event(), fx.event());
            a.command_id = cmd;
            b.command_id = cmd;
            resign(&mut a, &fx.agent.key);
            resign(&mut b, &fx.agent.key);
            fx.ingest(&[a, b])
        }
        "Command <id> already processed" => {
            let cmd = Some(Uuid::new_v4());
            one(fx.event(), &|e| e.command_id = cmd, true).expect(200);
            one(fx.event(), &|e| e.command_id = cmd, true)
        }
        "Version conflict: expected <x>, actual <y>" => {
            one(fx.event(), &|e| e.base_version = Some(99), true)
        }
        "Admin permission required" => {
            let key = fx.mint(ADMIN, json!({}));
            fx.post_as(&key, "/api/v1/agents/keys", fx.agent.registration())
        }
        "Invalid <field> hex: <hex error>" => fx.register(json!({"publicKey": "zz"})),
        "Public key must be 32 bytes" => fx.register(json!({"publicKey": "abcd"})),
        "ed25519_public_key must be 32 bytes" => {
            fx.register(json!({"publicKeyBundle": {"ed25519PublicKey": "00"}}))
        }
        "ed25519_pop must be 64 bytes" => {
            fx.register(json!({"proofOfPossessionBundle": {"ed25519Pop": "00"}}))
        }
        "Proof of possession is required for hybrid and pqc-strict key registrations" => {
            fx.register(json!({"keyAlgorithm": 5}))
        }
        "Proof of possession verification failed: <signing error>" => {
            fx.register(json!({"proofOfPossessionBundle": {}}))
        }
        "ML-DSA key algorithms (3, 5) are not supported by ves-devserver" => {
            fx.register(json!({"keyAlgorithm": 3, "proofOfPossessionBundle": {}}))
        }
        "Invalid <field> timestamp: <chrono error>" => fx.register(json!({"validTo": "x"})),
        "Agent key already registered for this tenant, agent and keyId with a different public key or validity" => {
            let mut body = fx.agent.registration();
            body["publicKey"] = json!(hex::encode(
                Agent::new(61).key.verifying_key().as_bytes()
            ));
            fx.post_as(ADMIN, "/api/v1/agents/keys", body)
        }
        "public registration is disabled" => {
            fx.post_as(ADMIN, "/api/v1/agents/register", json!({"name": "n"}))
        }
        "Access denied" => {
            let key = fx.mint(ADMIN, json!({}));
            fx.post_as(
                &key,
                &format!("/api/v1/agents/{}/api-keys", Uuid::new_v4()),
                json!({}),
            )
        }
        "Only admins can mint admin keys" => {
            let key = fx.mint(ADMIN, json!({}));
            fx.post_as(
                &key,
                &format!("/api/v1/agents/{}/api-keys", fx.agent.agent),
                json!({"admin": true}),
            )
        }
        "Cannot mint a key with broader write permissions" => {
            let key = fx.mint(ADMIN, json!({"readOnly": true}));
            fx.post_as(
                &key,
                &format!("/api/v1/agents/{}/api-keys", fx.agent.agent),
                json!({"readOnly": false}),
            )
        }
        "Agent not found" => fx.post_as(
            ADMIN,
            &format!("/api/v1/agents/{}/api-keys", Uuid::new_v4()),
            json!({}),
        ),
        "internal error: invalid sequence range" => fx.commit(2, 1),
        // Every case commits 1..=1 only, so the rows do not depend on their order.
        "internal error: commitment already exists for start <s> but ends at <e> (requested <r>)" => {
            fx.commit(1, 1).expect(200);
            fx.commit(1, 2)
        }
        "internal error: commitment range must start at <x> (next after last committed sequence <y>)" => {
            fx.commit(1, 1).expect(200);
            fx.commit(5, 6)
        }
        "internal error: commitment range must start at 1 (the stream has no commitment yet)" => {
            let mut other = fx.agent.clone();
            other.tenant = Uuid::new_v4();
            fx.post_as(
                ADMIN,
                "/api/v1/ves/commitments",
                json!({"tenant_id": other.tenant, "store_id": fx.store,
                       "sequence_start": 2, "sequence_end": 3}),
            )
        }
        "internal error: no VES events in range for commitment" => {
            fx.commit(1, 1).expect(200);
            fx.commit(2, u64::MAX)
        }
        "internal error: VES commitment range <a>..=<b> contains <n> events but expected <m>" => {
            fx.commit(1, 1).expect(200);
            fx.commit(2, 1 << 40)
        }
        "Commitment not found" => get(
            &fx.server,
            &format!("/api/v1/ves/commitments/{}", Uuid::new_v4()),
            ADMIN,
        ),
        "Commitment access denied" | "Sequence number not in commitment range" => {
            let batch = fx.commit(1, 1).json()["batch_id"].clone();
            let (seq, store) = if text == "Commitment access denied" {
                (1, Uuid::new_v4())
            } else {
                (2, fx.store)
            };
            get(
                &fx.server,
                &format!(
                    "/api/v1/ves/proofs/{seq}?tenant_id={}&store_id={store}&batch_id={}",
                    fx.agent.tenant,
                    batch.as_str().unwrap()
                ),
                ADMIN,
            )
        }
        "Invalid leaf_hash format" => fx.verify("0x00", &h, vec![]),
        "leaf_hash must be 32 bytes" => fx.verify("00", &h, vec![]),
        "Invalid merkle_root: <hex error>" => fx.verify(&h, "zz", vec![]),
        "merkle_root must be 32 bytes" => fx.verify(&h, "00", vec![]),
        "proof_path exceeds maximum length of 64" => fx.verify(&h, &h, vec![h.clone(); 65]),
        "Invalid proof hash: <hex error>" => fx.verify(&h, &h, vec!["0x".into()]),
        "Each proof hash must be 32 bytes" => fx.verify(&h, &h, vec!["00".into()]),
        "limit must be greater than 0" => get(
            &fx.server,
            &format!(
                "/api/v1/events?tenant_id={}&store_id={}&limit=0",
                fx.agent.tenant, fx.store
            ),
            ADMIN,
        ),
        "non-contiguous event sequence: expected <x>, got <y>" => {
            let faulty = DevServer::start(&["--memory", "--fault", "skip_sequence=2"]);
            fx.agent.register(&faulty);
            let events = fx.agent.events(fx.store, 3);
            fx.agent.ingest(&faulty, ADMIN, &events).expect(200);
            get(
                &faulty,
                &format!(
                    "/api/v1/events?tenant_id={}&store_id={}&from=1",
                    fx.agent.tenant, fx.store
                ),
                ADMIN,
            )
        }
        _ => return None,
    })
}

#[test]
fn every_documented_error_text_is_what_the_devserver_sends() {
    let rows = documented();
    assert!(
        rows.len() > 60,
        "the table was not read: {} rows",
        rows.len()
    );
    let fx = Fx::new();
    // Three events in the stream, for the commitment and proof rows.
    fx.ingest(&fx.agent.events(fx.store, 3)).expect(200);
    let mut seen = BTreeSet::new();
    for (status, text) in &rows {
        assert!(seen.insert(text.clone()), "row listed twice: {text}");
        let resp = provoke(&fx, text).unwrap_or_else(|| panic!("no test case for row {text:?}"));
        let actual = text_of(&resp);
        assert_eq!(resp.status, *status, "{text}: {}", resp.body);
        assert!(matches(text, &actual), "row {text:?}\n  answer {actual:?}");
    }
}

#[test]
fn the_template_matcher_can_fail() {
    assert!(matches("Event <id> x", "Event 1 x"));
    assert!(!matches("Event <id> x", "Event  x"));
    assert!(!matches("Event <id> x", "Event 1 y"));
    assert!(matches("a <b> c <d> e", "a 1 c 2 e"));
    assert!(!matches("a <b> c <d> e", "a 1 d 2 e"));
    assert!(!matches("plain", "plain!"));
}
