//! Hostile and malformed input, answered as the real sequencer answers it (v0.2.7, `4e0bf9a`).
//! Every expectation below is written from the real source's rules (file named per test), not
//! from the devserver's code; docs/DEVSERVER.md lists the deliberate differences.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{get, payload_encrypted, post, resign, Agent, DevServer, ADMIN, INGEST};
use serde_json::{json, Value};
use uuid::Uuid;
use ves_core::{EventEnvelope, PayloadKind};

/// Sends `head` (request line and headers, `\r\n`-separated, raw bytes allowed) and returns
/// (status, body). Raw because clients refuse to send the bytes these tests need.
fn raw(server: &DevServer, head: &[u8]) -> (u16, String) {
    raw_with_body(server, head, b"")
}

fn raw_with_body(server: &DevServer, head: &[u8], body: &[u8]) -> (u16, String) {
    let addr = server.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(head).expect("write");
    stream
        .write_all(b"Host: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    stream.write_all(body).expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text[9..12].parse().expect("status");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

fn head_request(agent: &Agent, headers: &[&[u8]]) -> Vec<u8> {
    let mut out = format!(
        "GET /api/v1/head?tenant_id={}&store_id={} HTTP/1.1\r\n",
        agent.tenant,
        Uuid::nil()
    )
    .into_bytes();
    for h in headers {
        out.extend_from_slice(h);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn auth_error(code: &str, error: &str) -> String {
    json!({"code": code, "error": error}).to_string()
}

/// `src/auth/middleware.rs`: `Authorization` if it is visible ASCII, else `X-API-Key`; then
/// exact prefixes `Bearer `, `ApiKey ` (one space, no trimming) or a raw `ss_` key.
#[test]
fn auth_headers_follow_the_real_middleware() {
    let server = DevServer::memory();
    let agent = Agent::new(40);
    let ok = (200, json!({"head_sequence": 0}).to_string());
    let missing = (401, auth_error("missing_auth", "Missing authentication"));
    let invalid = (401, auth_error("invalid_api_key", "Invalid API key"));
    let jwt = (401, auth_error("invalid_jwt", "Invalid JWT"));
    let admin = ADMIN.as_bytes();
    type Answer = (u16, String);
    let cases: Vec<(&str, Vec<Vec<u8>>, &Answer)> = vec![
        (
            "ApiKey form",
            vec![[b"Authorization: ApiKey ", admin].concat()],
            &ok,
        ),
        ("raw form", vec![[b"Authorization: ", admin].concat()], &ok),
        (
            "two spaces: the key starts with a space",
            vec![[b"Authorization: ApiKey  ", admin].concat()],
            &invalid,
        ),
        (
            "a tab is not the separator",
            vec![[b"Authorization: ApiKey\t", admin].concat()],
            &missing,
        ),
        (
            "prefixes are case-sensitive",
            vec![[b"Authorization: apikey ", admin].concat()],
            &missing,
        ),
        (
            "ApiKey without ss_",
            vec![b"Authorization: ApiKey sk_other".to_vec()],
            &invalid,
        ),
        (
            "raw key with a suffix",
            vec![[b"Authorization: ", admin, b" extra"].concat()],
            &invalid,
        ),
        (
            "Bearer is a JWT even with an API key",
            vec![[b"Authorization: Bearer ", admin].concat()],
            &jwt,
        ),
        (
            "Bearer alone",
            vec![b"Authorization: Bearer".to_vec()],
            &missing,
        ),
        (
            "a usable Authorization wins over X-API-Key",
            vec![
                b"Authorization: Basic abc".to_vec(),
                [b"X-API-Key: ", admin].concat(),
            ],
            &missing,
        ),
        (
            "an empty Authorization is usable, so no fallback",
            vec![b"Authorization:".to_vec(), [b"X-API-Key: ", admin].concat()],
            &missing,
        ),
        (
            "a non-ASCII Authorization falls back to X-API-Key",
            vec![
                b"Authorization: ApiKey ss_\xe9t\xe9".to_vec(),
                [b"X-API-Key: ", admin].concat(),
            ],
            &ok,
        ),
        (
            "X-API-Key takes the ApiKey form too",
            vec![[b"X-API-Key: ApiKey ", admin].concat()],
            &ok,
        ),
        (
            "a non-ASCII X-API-Key alone is missing",
            vec![b"X-API-Key: ss_\xff".to_vec()],
            &missing,
        ),
        (
            "only the first Authorization counts (bad first)",
            vec![
                b"Authorization: nothing".to_vec(),
                [b"Authorization: ApiKey ", admin].concat(),
            ],
            &missing,
        ),
        (
            "only the first Authorization counts (good first)",
            vec![
                [b"Authorization: ApiKey ", admin].concat(),
                b"Authorization: nothing".to_vec(),
            ],
            &ok,
        ),
    ];
    for (name, headers, want) in cases {
        let refs: Vec<&[u8]> = headers.iter().map(|h| h.as_slice()).collect();
        let got = raw(&server, &head_request(&agent, &refs));
        assert_eq!(&got, want, "{name}");
    }
}

/// `RateLimiter::check_with_limit`: a key limit of 0 counts as 1 per window.
#[test]
fn a_rate_limit_of_zero_allows_one_request_per_window() {
    let server = DevServer::memory();
    let agent = Agent::new(41);
    agent.register(&server);
    let resp = post(
        &server,
        &format!("/api/v1/agents/{}/api-keys", agent.agent),
        ADMIN,
        &json!({"rateLimit": 0}).to_string(),
    );
    resp.expect(200);
    let key = resp.json()["apiKey"].as_str().unwrap().to_string();
    let path = format!(
        "/api/v1/head?tenant_id={}&store_id={}",
        agent.tenant,
        Uuid::nil()
    );
    get(&server, &path, &key).expect(200);
    let second = get(&server, &path, &key);
    second.expect_auth_error(429, "rate_limited", "Rate limit exceeded");
    assert_eq!(second.header("retry-after"), Some("60"));
}

fn with_fields(agent: &Agent, env: &EventEnvelope, fields: &[(&str, Value)]) -> String {
    let mut v = serde_json::to_value(env).unwrap();
    for (k, value) in fields {
        v[*k] = value.clone();
    }
    json!({"agentId": agent.agent, "events": [v]}).to_string()
}

const DESERIALIZE: &str = "Failed to deserialize the JSON body into the target type: ";

/// A 422 of axum's `Json` whose serde text (before ` at line 1 column N`) is `message`.
#[track_caller]
fn expect_422(resp: &common::Resp, message: &str) {
    resp.expect(422);
    let prefix = format!("{DESERIALIZE}{message} at line 1 column ");
    assert!(resp.body.starts_with(&prefix), "{}", resp.body);
    assert!(
        resp.body[prefix.len()..].parse::<u64>().is_ok(),
        "{}",
        resp.body
    );
}

/// `src/crypto/pqc_signing.rs` + `validate_event`: under `legacy` every scheme number is
/// allowed; 2 and 3 (ML-DSA) never verify against an Ed25519 key; the rest are Ed25519.
#[test]
fn signature_scheme_values_follow_the_legacy_profile() {
    let server = DevServer::memory();
    let agent = Agent::new(42);
    agent.register(&server);
    let store = Uuid::new_v4();
    let mut n = 0;
    let mut send = |fields: &[(&str, Value)]| {
        n += 1;
        let env = agent.event(store, n);
        post(&server, INGEST, ADMIN, &with_fields(&agent, &env, fields))
    };
    for scheme in [
        json!(0),
        json!(1),
        json!(4),
        json!(7),
        json!(99),
        json!(-1),
        json!(i32::MAX),
        json!(i32::MIN),
        Value::Null,
    ] {
        let resp = send(&[("agent_signature_scheme", scheme.clone())]);
        resp.expect(200);
        assert_eq!(
            resp.json()["eventsAccepted"],
            1,
            "scheme {scheme}: {}",
            resp.body
        );
    }
    for scheme in [2, 3] {
        let resp = send(&[("agent_signature_scheme", json!(scheme))]);
        let v = resp.json();
        assert_eq!(v["eventsAccepted"], 0, "scheme {scheme}");
        assert_eq!(v["rejections"][0]["reason"], "invalid_signature");
        assert_eq!(
            v["rejections"][0]["message"],
            "Agent signature verification failed: VerificationFailed"
        );
    }
    // A bundle is typed (`ParsedSignatureBundle`) but never read under `legacy`.
    let resp = send(&[(
        "agent_signature_bundle",
        json!({"ed25519_signature": [1, 2, 3], "ml_dsa_65_signature": null}),
    )]);
    assert_eq!(resp.json()["eventsAccepted"], 1, "{}", resp.body);
    expect_422(
        &send(&[("agent_signature_bundle", json!("abc"))]),
        "events[0].agent_signature_bundle: invalid type: string \"abc\", expected struct ParsedSignatureBundle",
    );
    expect_422(
        &send(&[(
            "agent_signature_bundle",
            json!({"ed25519_signature": [256]}),
        )]),
        "events[0].agent_signature_bundle.ed25519_signature[0]: invalid value: integer `256`, expected u8",
    );
    expect_422(
        &send(&[("agent_signature_scheme", json!(2147483648u64))]),
        "events[0].agent_signature_scheme: invalid value: integer `2147483648`, expected i32",
    );
    expect_422(
        &send(&[("agent_signature_scheme", json!("1"))]),
        "events[0].agent_signature_scheme: invalid type: string \"1\", expected i32",
    );
}

/// `src/api/handlers/agent_keys.rs`: the legacy profile allows every `keyAlgorithm`; ML-DSA
/// ones need a proof of possession; keys of the encryption algorithms register but never
/// verify (`VerificationKey::from_key_entry`).
#[test]
fn key_algorithms_follow_the_legacy_profile() {
    let server = DevServer::memory();
    let store = Uuid::new_v4();
    let register = |agent: &Agent, extra: Value| {
        let mut body = agent.registration();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        post(&server, "/api/v1/agents/keys", ADMIN, &body.to_string())
    };
    let mut seed = 50;
    let mut fresh = || {
        seed += 1;
        Agent::new(seed)
    };
    for algorithm in [7, 99, -1, 0, 1] {
        let agent = fresh();
        let resp = register(&agent, json!({"keyAlgorithm": algorithm}));
        resp.expect(200);
        assert_eq!(resp.json()["keyAlgorithm"], algorithm);
        let v = agent
            .ingest(&server, ADMIN, &[agent.event(store, 0)])
            .json();
        assert_eq!(v["eventsAccepted"], 1, "algorithm {algorithm}: {v}");
    }
    for algorithm in [2, 4, 6] {
        let agent = fresh();
        register(&agent, json!({"keyAlgorithm": algorithm})).expect(200);
        let v = agent
            .ingest(&server, ADMIN, &[agent.event(store, 0)])
            .json();
        assert_eq!(
            v["rejections"][0]["reason"],
            "agent_key_invalid: signature verification failed: invalid public key format",
            "algorithm {algorithm}"
        );
    }
    let pop_required =
        "Proof of possession is required for hybrid and pqc-strict key registrations";
    register(&fresh(), json!({"keyAlgorithm": 5})).expect_text(400, pop_required);
    register(&fresh(), json!({"keyAlgorithm": 3})).expect_text(400, pop_required);
    // ML-DSA-65 alone takes any Ed25519 field; the hybrid needs 32 bytes.
    register(&fresh(), json!({"keyAlgorithm": 3, "publicKey": "abcd"}))
        .expect_text(400, pop_required);
    register(&fresh(), json!({"keyAlgorithm": 5, "publicKey": "abcd"}))
        .expect_text(400, "Public key must be 32 bytes");
    // The handler passes an empty legacy PoP, so any bundle fails for the other algorithms.
    register(&fresh(), json!({"proofOfPossessionBundle": {}})).expect_text(
        400,
        "Proof of possession verification failed: invalid signature format",
    );
    register(
        &fresh(),
        json!({"keyAlgorithm": 2, "proofOfPossessionBundle": {}}),
    )
    .expect_text(
        400,
        "Proof of possession verification failed: invalid public key format",
    );
    register(
        &fresh(),
        json!({"proofOfPossessionBundle": {"ed25519Pop": "abcd"}}),
    )
    .expect_text(400, "ed25519_pop must be 64 bytes");
    register(
        &fresh(),
        json!({"proofOfPossessionBundle": {"mlDsa65Pop": "0xqq"}}),
    )
    .expect_text(
        400,
        "Invalid ml_dsa_65_pop hex: Invalid character 'q' at position 0",
    );
    register(
        &fresh(),
        json!({"publicKeyBundle": {"ed25519PublicKey": "zz"}}),
    )
    .expect_text(
        400,
        "Invalid ed25519_public_key hex: Invalid character 'z' at position 0",
    );
    register(
        &fresh(),
        json!({"publicKeyBundle": {"ed25519PublicKey": "00"}}),
    )
    .expect_text(400, "ed25519_public_key must be 32 bytes");
    register(
        &fresh(),
        json!({"publicKeyBundle": {"x25519PublicKey": "abc"}}),
    )
    .expect_text(400, "Invalid x25519_public_key hex: Odd number of digits");
    // A well-formed public-key bundle is read and ignored.
    register(
        &fresh(),
        json!({"publicKeyBundle": {"mlKem768PublicKey": "00ff"}}),
    )
    .expect(200);
    // Typing: i32, and the real struct names.
    expect_422(
        &register(&fresh(), json!({"keyAlgorithm": 2147483648u64})),
        "keyAlgorithm: invalid value: integer `2147483648`, expected i32",
    );
    expect_422(
        &register(&fresh(), json!({"publicKeyBundle": 1})),
        "publicKeyBundle: invalid type: integer `1`, expected struct PublicKeyBundleRequest",
    );
    expect_422(
        &post(&server, "/api/v1/agents/keys", ADMIN, "1"),
        "invalid type: integer `1`, expected struct RegisterAgentKeyRequest",
    );
    // A sequence is a struct too (serde's derive), with all nine fields.
    expect_422(
        &post(&server, "/api/v1/agents/keys", ADMIN, "[]"),
        "invalid length 0, expected struct RegisterAgentKeyRequest with 9 elements",
    );
}

/// `PayloadEncrypted` (`src/crypto/encrypt.rs`) is a typed field of the envelope: any shape
/// but the struct is a whole-request 422, whatever the payload kind.
#[test]
fn payload_encrypted_is_typed() {
    let server = DevServer::memory();
    let agent = Agent::new(43);
    agent.register(&server);
    let store = Uuid::new_v4();
    let plaintext = agent.event(store, 0);
    let mut encrypted = agent.event(store, 1);
    encrypted.payload_kind = PayloadKind::Encrypted;
    encrypted.payload = None;
    resign(&mut encrypted, &agent.key);

    let mut wrong_recipient = payload_encrypted();
    wrong_recipient["recipients"][0]["recipient_kid"] = json!("one");
    let mut no_mode = payload_encrypted();
    no_mode["hpke"].as_object_mut().unwrap().remove("mode");
    let mut negative = payload_encrypted();
    negative["enc_version"] = json!(-1);
    let cases = [
        (json!("abc"), "events[0].payload_encrypted: invalid type: string \"abc\", expected struct PayloadEncrypted"),
        (json!([]), "events[0].payload_encrypted: invalid length 0, expected struct PayloadEncrypted with 7 elements"),
        (json!({}), "events[0].payload_encrypted: missing field `enc_version`"),
        (json!({"enc_version": 1}), "events[0].payload_encrypted: missing field `aead`"),
        (negative, "events[0].payload_encrypted.enc_version: invalid value: integer `-1`, expected u32"),
        (no_mode, "events[0].payload_encrypted.hpke: missing field `mode`"),
        (wrong_recipient, "events[0].payload_encrypted.recipients[0].recipient_kid: invalid type: string \"one\", expected u32"),
    ];
    for env in [&plaintext, &encrypted] {
        for (value, message) in &cases {
            let body = with_fields(&agent, env, &[("payload_encrypted", value.clone())]);
            expect_422(&post(&server, INGEST, ADMIN, &body), message);
        }
    }

    // Well-formed (unknown fields ignored): today's per-event answers.
    let mut extra = payload_encrypted();
    extra["note"] = json!("ignored");
    let v = post(
        &server,
        INGEST,
        ADMIN,
        &with_fields(&agent, &plaintext, &[("payload_encrypted", extra.clone())]),
    )
    .json();
    assert_eq!(
        v["rejections"][0]["message"],
        "payload_encrypted must be omitted for plaintext events"
    );
    let v = post(
        &server,
        INGEST,
        ADMIN,
        &with_fields(&agent, &encrypted, &[("payload_encrypted", extra)]),
    )
    .json();
    assert_eq!(
        v["rejections"][0]["reason"],
        "schema_validation: payload_encrypted"
    );
    // null is absent: a plaintext event goes through.
    let v = post(
        &server,
        INGEST,
        ADMIN,
        &with_fields(&agent, &plaintext, &[("payload_encrypted", Value::Null)]),
    )
    .json();
    assert_eq!(v["eventsAccepted"], 1, "{v}");

    // The size limit measures the typed struct: unknown fields do not count, fields do.
    let mut padded = payload_encrypted();
    padded["padding"] = json!("p".repeat(2 * 1024 * 1024));
    let v = post(
        &server,
        INGEST,
        ADMIN,
        &with_fields(&agent, &encrypted, &[("payload_encrypted", padded)]),
    )
    .json();
    assert_eq!(
        v["rejections"][0]["reason"],
        "schema_validation: payload_encrypted"
    );
    let mut big = payload_encrypted();
    big["ciphertext_b64u"] = json!("A".repeat(1024 * 1024));
    let size = serde_json::to_string(&big).unwrap().len();
    post(
        &server,
        INGEST,
        ADMIN,
        &with_fields(&agent, &encrypted, &[("payload_encrypted", big)]),
    )
    .expect_api_error(
        413,
        "PAYLOAD_TOO_LARGE",
        3004,
        &format!(
            "Event {} payload exceeds max_event_payload_size ({size} > 1048576)",
            encrypted.event_id
        ),
    );
}

struct Stream {
    server: DevServer,
    agent: Agent,
    store: Uuid,
}

impl Stream {
    fn with_events(count: u64) -> Stream {
        let server = DevServer::memory();
        let agent = Agent::new(44);
        agent.register(&server);
        let store = Uuid::new_v4();
        agent
            .ingest(&server, ADMIN, &agent.events(store, count))
            .expect(200);
        Stream {
            server,
            agent,
            store,
        }
    }

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
}

/// `create_and_store_commitment` (`src/infra/ves_commitment.rs`): direction, an existing
/// commitment at the start, contiguity, then the events, whose bounds are bound `as i64`.
#[test]
fn commitment_ranges_are_checked_in_the_real_order() {
    let s = Stream::with_events(3);
    let max = u64::MAX;
    let text = |t: &str| format!("internal error: {t}");
    s.commit(2, 1)
        .expect_text(400, &text("invalid sequence range"));
    s.commit(max, 0)
        .expect_text(400, &text("invalid sequence range"));
    // An end above i64::MAX selects no events.
    for end in [max, 1 << 63, max - 1] {
        s.commit(1, end)
            .expect_text(400, &text("no VES events in range for commitment"));
    }
    s.commit(1, i64::MAX as u64).expect_text(
        400,
        &text("VES commitment range 1..=9223372036854775807 contains 3 events but expected 9223372036854775807"),
    );
    s.commit(1, 2).expect(200);
    // Contiguity comes before anything about the range's size.
    s.commit(0, max).expect_text(
        400,
        &text("commitment range must start at 3 (next after last committed sequence 2)"),
    );
    s.commit(max, max).expect_text(
        400,
        &text("commitment range must start at 3 (next after last committed sequence 2)"),
    );
    s.commit(1, max).expect_text(
        400,
        &text(
            "commitment already exists for start 1 but ends at 2 (requested 18446744073709551615)",
        ),
    );
    s.commit(3, max)
        .expect_text(400, &text("no VES events in range for commitment"));
    s.commit(3, 3).expect(200);
    let body = format!(
        r#"{{"tenant_id":"{}","store_id":"{}","sequence_start":4,"sequence_end":18446744073709551616}}"#,
        s.agent.tenant, s.store
    );
    // serde_json reads an integer beyond u64 as a float.
    let resp = post(&s.server, "/api/v1/ves/commitments", ADMIN, &body);
    resp.expect(422);
    assert!(
        resp.body.starts_with(&format!(
            "{DESERIALIZE}sequence_end: invalid type: floating point `"
        )),
        "{}",
        resp.body
    );
    expect_422(
        &post(&s.server, "/api/v1/ves/commitments", ADMIN, "1"),
        "invalid type: integer `1`, expected struct CreateCommitmentRequest",
    );
}

fn verify(
    server: &DevServer,
    leaf: &str,
    root: &str,
    path: Vec<String>,
    index: Value,
) -> common::Resp {
    let body =
        json!({"leaf_hash": leaf, "merkle_root": root, "proof_path": path, "leaf_index": index});
    post(
        server,
        "/api/v1/ves/proofs/verify",
        ADMIN,
        &body.to_string(),
    )
}

/// `verify_ves_proof` (`src/api/handlers/ves/inclusion_proofs.rs`): its texts and order.
#[test]
fn proof_verify_texts_and_order_are_the_real_ones() {
    let server = DevServer::memory();
    let h_owned = hex::encode([7u8; 32]);
    let h: &str = &h_owned;
    let x = "0".repeat(64);
    let ok = |n: usize| vec![x.clone(); n];
    let idx = json!(0);
    let cases: Vec<(&str, &str, Vec<String>, &str)> = vec![
        ("0x00", h, ok(0), "Invalid leaf_hash format"),
        ("zz", h, ok(0), "Invalid leaf_hash format"),
        ("abc", "zz", ok(99), "Invalid leaf_hash format"),
        ("", h, ok(0), "leaf_hash must be 32 bytes"),
        ("abcd", "zz", ok(0), "leaf_hash must be 32 bytes"),
        (
            h,
            "0x00",
            ok(0),
            "Invalid merkle_root: Invalid character 'x' at position 1",
        ),
        (
            h,
            "abc",
            ok(99),
            "Invalid merkle_root: Odd number of digits",
        ),
        (h, "abcd", ok(99), "merkle_root must be 32 bytes"),
        (h, h, ok(65), "proof_path exceeds maximum length of 64"),
        (
            h,
            h,
            vec!["zz".into(); 65],
            "proof_path exceeds maximum length of 64",
        ),
        (
            h,
            h,
            vec![x.clone(), "0xab".into()],
            "Invalid proof hash: Invalid character 'x' at position 1",
        ),
        (
            h,
            h,
            vec!["abcd".into(), "zz".into()],
            "Each proof hash must be 32 bytes",
        ),
    ];
    for (leaf, root, path, text) in cases {
        verify(&server, leaf, root, path, idx.clone()).expect_text(400, text);
    }
    // 64 siblings is allowed; any case of hex; the strings are echoed as sent.
    let upper = h.to_uppercase();
    let resp = verify(&server, &upper, &upper, ok(64), json!(usize::MAX));
    // (the real `MerkleProof::new` takes directions from the index's low bits, nothing else)
    resp.expect(200);
    assert_eq!(
        resp.json(),
        json!({"valid": false, "leaf_hash": upper, "merkle_root": upper})
    );
    expect_422(
        &verify(&server, h, h, ok(0), json!(-1)),
        "leaf_index: invalid value: integer `-1`, expected usize",
    );
    expect_422(
        &post(&server, "/api/v1/ves/proofs/verify", ADMIN, "1"),
        "invalid type: integer `1`, expected struct VerifyVesProofRequest",
    );
}

/// `src/api/handlers/ingest.rs`: the handler's texts, and `enforce_ves_limits` checks lengths
/// then payload event by event.
#[test]
fn ingest_handler_texts_and_order_are_the_real_ones() {
    let server = DevServer::memory();
    let agent = Agent::new(45);
    agent.register(&server);
    let store = Uuid::new_v4();
    let invalid = |events: &[EventEnvelope], message: &str| {
        agent.ingest(&server, ADMIN, events).expect_api_error(
            400,
            "INVALID_FIELD_VALUE",
            3003,
            message,
        );
    };
    let mut stranger = agent.event(store, 0);
    stranger.source_agent_id = Uuid::new_v4();
    invalid(
        &[agent.event(store, 1), stranger],
        "event source_agent_id must match request agent_id",
    );

    for (field, max) in [
        ("entity_type", 128),
        ("entity_id", 512),
        ("event_type", 256),
    ] {
        for value in [String::new(), "x".repeat(max + 1), "é".repeat(max / 2 + 1)] {
            let mut e = agent.event(store, 2);
            match field {
                "entity_type" => e.entity_type = value,
                "entity_id" => e.entity_id = value,
                _ => e.event_type = value,
            }
            invalid(
                &[e.clone()],
                &format!(
                    "Event {} {field} must be between 1 and {max} characters",
                    e.event_id
                ),
            );
        }
        // Exactly the limit in bytes passes this check.
        let mut e = agent.event(store, 3);
        let value = "x".repeat(max);
        match field {
            "entity_type" => e.entity_type = value,
            "entity_id" => e.entity_id = value,
            _ => e.event_type = value,
        }
        resign(&mut e, &agent.key);
        assert_eq!(
            agent.ingest(&server, ADMIN, &[e]).json()["eventsAccepted"],
            1
        );
    }

    // One pass: the first event's missing payload before the second event's length.
    let mut no_payload = agent.event(store, 4);
    no_payload.payload = None;
    let mut long = agent.event(store, 5);
    long.entity_type = "x".repeat(129);
    invalid(
        &[no_payload.clone(), long.clone()],
        &format!(
            "Event {} missing payload for plaintext payload_kind",
            no_payload.event_id
        ),
    );
    invalid(
        &[long.clone(), no_payload],
        &format!(
            "Event {} entity_type must be between 1 and 128 characters",
            long.event_id
        ),
    );
    expect_422(
        &post(
            &server,
            INGEST,
            ADMIN,
            r#"{"agentId":"00000000-0000-0000-0000-000000000000","events":[1]}"#,
        ),
        "events[0]: invalid type: integer `1`, expected struct VesEventEnvelope",
    );
    expect_422(
        &post(&server, INGEST, ADMIN, "1"),
        "invalid type: integer `1`, expected struct VesIngestRequest",
    );
}

/// The workspace pins the real server's uuid (1.19.0): its parse errors, quoted in 422s,
/// differ from later releases (uuid 1.29.3 says `invalid character: found … at …`).
#[test]
fn uuid_texts_are_the_pinned_release() {
    let server = DevServer::memory();
    let body = r#"{"agentId":"g0000000-0000-0000-0000-000000000000","events":[]}"#;
    expect_422(
        &post(&server, INGEST, ADMIN, body),
        "agentId: UUID parsing failed: invalid character: expected an optional prefix of \
         `urn:uuid:` followed by [0-9a-fA-F-], found `g` at 1",
    );
}

/// And its serde_json (1.0.145): invalid UTF-8 in a string is reported at the string's closing
/// quote (1.0.154 and later point at the first invalid byte).
#[test]
fn serde_json_texts_are_the_pinned_release() {
    let server = DevServer::memory();
    let body = b"{\"agentId\":\"\xffabc\",\"events\":[]}";
    let head = format!(
        "POST {INGEST} HTTP/1.1\r\nAuthorization: ApiKey {ADMIN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    let (status, text) = raw_with_body(&server, head.as_bytes(), body);
    assert_eq!(status, 400, "{text}");
    // The string's content is at columns 13..=16, its closing quote at 17.
    assert_eq!(
        text,
        "Failed to parse the request body as JSON: agentId: invalid unicode code point at line 1 column 17"
    );
}
