//! Authentication, key registration, API-key minting and scoping over real HTTP
//! (LIVE_OBSERVED.md §2, VES_V1.md §4).

mod common;

use common::{get, post, request, Agent, DevServer, TempDir, ADMIN};
use serde_json::{json, Value};
use uuid::Uuid;

fn head_path(tenant: Uuid, store: Uuid) -> String {
    format!("/api/v1/head?tenant_id={tenant}&store_id={store}")
}

/// Mints an API key for `agent` with `body`; returns the key.
fn mint(server: &DevServer, by: &str, agent: Uuid, body: Value) -> String {
    let resp = post(
        server,
        &format!("/api/v1/agents/{agent}/api-keys"),
        by,
        &body.to_string(),
    );
    resp.expect(200);
    let v = resp.json();
    assert_eq!(v["success"], true);
    assert_eq!(
        v["message"],
        "API key created. Store it securely - it cannot be retrieved later."
    );
    assert_eq!(v["keyHashPrefix"].as_str().unwrap().len(), 16);
    let key = v["apiKey"].as_str().unwrap().to_string();
    assert!(key.starts_with("ss_"));
    key
}

#[test]
fn credentials_in_every_accepted_form_and_the_refusals() {
    let server = DevServer::memory();
    let path = server.at(&head_path(Uuid::new_v4(), Uuid::new_v4()));
    for (name, value) in [
        ("Authorization", format!("ApiKey {ADMIN}")),
        ("Authorization", ADMIN.to_string()),
        ("X-API-Key", ADMIN.to_string()),
    ] {
        request("GET", &path, &[(name, &value)], None).expect(200);
    }
    request("GET", &path, &[], None).expect_auth_error(
        401,
        "missing_auth",
        "Missing authentication",
    );
    request("GET", &path, &[("Authorization", "Basic abc")], None).expect_auth_error(
        401,
        "missing_auth",
        "Missing authentication",
    );
    request(
        "GET",
        &path,
        &[("Authorization", "Bearer eyJhbGciOi")],
        None,
    )
    .expect_auth_error(401, "invalid_jwt", "Invalid JWT");
    for bad in ["ApiKey ss_unknown", "ApiKey dev_admin_key", "ss_unknown"] {
        request("GET", &path, &[("Authorization", bad)], None).expect_auth_error(
            401,
            "invalid_api_key",
            "Invalid API key",
        );
    }
    // Health needs no key; every answer carries a request id (echoed when sent).
    let health = request(
        "GET",
        &server.at("/health"),
        &[("x-request-id", "abc-1")],
        None,
    );
    health.expect(200);
    assert_eq!(health.header("x-request-id"), Some("abc-1"));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(health.json()["status"], "healthy");
    // Public self-registration is off, as in the real server's default configuration.
    let register = request(
        "POST",
        &server.at("/api/v1/agents/register"),
        &[("Content-Type", "application/json")],
        Some(r#"{"name":"loadtest-agent"}"#),
    );
    register.expect(403);
    assert_eq!(
        register.json(),
        json!({"success": false, "error": "public registration is disabled",
               "code": "REGISTRATION_DISABLED"})
    );
    let ready = request("GET", &server.at("/ready"), &[], None);
    ready.expect(200);
    assert_eq!(ready.json()["status"], "ready");
    assert!(ready.header("x-request-id").is_some());
}

#[test]
fn agent_key_registration_rules() {
    let server = DevServer::memory();
    let agent = Agent::new(21);
    let reg = agent.registration();
    let resp = post(&server, "/api/v1/agents/keys", ADMIN, &reg.to_string());
    resp.expect(200);
    assert_eq!(
        resp.json(),
        json!({"success": true, "tenantId": agent.tenant, "agentId": agent.agent, "keyId": 1,
               "keyAlgorithm": 0, "message": "Agent key registered successfully"})
    );
    // Not copied from the real server (500): identical again is idempotent, a change is 409.
    post(&server, "/api/v1/agents/keys", ADMIN, &reg.to_string()).expect(200);
    let mut other = reg.clone();
    other["publicKey"] = json!(hex::encode(Agent::new(22).key.verifying_key().as_bytes()));
    let conflict = post(&server, "/api/v1/agents/keys", ADMIN, &other.to_string());
    conflict.expect(409);
    assert_eq!(conflict.content_type, "text/plain; charset=utf-8");
    let mut later = reg.clone();
    later["validTo"] = json!("2999-01-01T00:00:00Z");
    post(&server, "/api/v1/agents/keys", ADMIN, &later.to_string()).expect(409);

    // `0x` is optional.
    let mut bare = reg.clone();
    bare["keyId"] = json!(2);
    bare["publicKey"] = json!(reg["publicKey"].as_str().unwrap().trim_start_matches("0x"));
    post(&server, "/api/v1/agents/keys", ADMIN, &bare.to_string()).expect(200);

    let with = |field: &str, value: Value| {
        let mut r = reg.clone();
        r["keyId"] = json!(9);
        r[field] = value;
        post(&server, "/api/v1/agents/keys", ADMIN, &r.to_string())
    };
    with("publicKey", json!("0xzz")).expect_text(
        400,
        "Invalid public_key hex: Invalid character 'z' at position 0",
    );
    with("publicKey", json!("abcd")).expect_text(400, "Public key must be 32 bytes");
    let bad_time = with("validFrom", json!("yesterday"));
    bad_time.expect(400);
    assert!(
        bad_time.body.starts_with("Invalid valid_from timestamp: "),
        "{}",
        bad_time.body
    );
    // The legacy profile allows every number; ML-DSA ones need a proof of possession (more
    // in tests/hostile.rs).
    with("keyAlgorithm", json!(5)).expect_text(
        400,
        "Proof of possession is required for hybrid and pqc-strict key registrations",
    );
    with("keyId", json!("one")).expect(422);
}

#[test]
fn agent_scoped_keys_are_restricted_to_their_tenant_agent_stores_and_rights() {
    let server = DevServer::memory();
    let agent = Agent::new(23);
    agent.register(&server);
    let (store_a, store_b) = (Uuid::new_v4(), Uuid::new_v4());

    // The bootstrap admin finds the agent's tenant through its signing key.
    let key = mint(&server, ADMIN, agent.agent, json!({}));
    agent
        .ingest(&server, &key, &agent.events(store_a, 2))
        .expect(200);
    get(&server, &head_path(agent.tenant, store_a), &key).expect(200);

    // Another tenant: JSON on ingest, plain text elsewhere.
    let mut foreign = agent.clone();
    foreign.tenant = Uuid::new_v4();
    foreign
        .ingest(&server, &key, &foreign.events(store_a, 1))
        .expect_api_error(
            403,
            "INSUFFICIENT_PERMISSIONS",
            1005,
            "Tenant access denied",
        );
    get(&server, &head_path(foreign.tenant, store_a), &key)
        .expect_text(403, "Tenant access denied");

    // Another agent id in the body.
    let mut impostor = agent.clone();
    impostor.agent = Uuid::new_v4();
    impostor
        .ingest(&server, &key, &impostor.events(store_a, 1))
        .expect_api_error(403, "INSUFFICIENT_PERMISSIONS", 1005, "Agent mismatch");

    // Registering signing keys needs admin.
    post(
        &server,
        "/api/v1/agents/keys",
        &key,
        &agent.registration().to_string(),
    )
    .expect_text(403, "Admin permission required");

    // A store-scoped key.
    let scoped = mint(&server, ADMIN, agent.agent, json!({"storeIds": [store_a]}));
    agent
        .ingest(&server, &scoped, &agent.events(store_a, 1))
        .expect(200);
    agent
        .ingest(&server, &scoped, &agent.events(store_b, 1))
        .expect_api_error(403, "INSUFFICIENT_PERMISSIONS", 1005, "Store access denied");
    get(&server, &head_path(agent.tenant, store_b), &scoped)
        .expect_text(403, "Store access denied");

    // A read-only key reads but never writes.
    let reader = mint(&server, ADMIN, agent.agent, json!({"readOnly": true}));
    get(&server, &head_path(agent.tenant, store_a), &reader).expect(200);
    agent
        .ingest(&server, &reader, &agent.events(store_a, 1))
        .expect_api_error(
            403,
            "INSUFFICIENT_PERMISSIONS",
            1005,
            "Write permission required",
        );
    let commit = json!({"tenant_id": agent.tenant, "store_id": store_a,
                        "sequence_start": 1, "sequence_end": 2});
    post(
        &server,
        "/api/v1/ves/commitments",
        &reader,
        &commit.to_string(),
    )
    .expect_text(403, "Write permission required");
    post(
        &server,
        "/api/v1/ves/commitments",
        &key,
        &commit.to_string(),
    )
    .expect(200);

    // Agent keys may mint narrower keys only, and only for themselves.
    let refused = post(
        &server,
        &format!("/api/v1/agents/{}/api-keys", agent.agent),
        &reader,
        &json!({"readOnly": false}).to_string(),
    );
    refused.expect(403);
    assert_eq!(
        refused.json(),
        json!({"success": false, "error": "Cannot mint a key with broader write permissions",
               "code": "FORBIDDEN"})
    );
    let refused = post(
        &server,
        &format!("/api/v1/agents/{}/api-keys", agent.agent),
        &key,
        &json!({"admin": true}).to_string(),
    );
    assert_eq!(refused.json()["error"], "Only admins can mint admin keys");
    let refused = post(
        &server,
        &format!("/api/v1/agents/{}/api-keys", Uuid::new_v4()),
        &key,
        "{}",
    );
    refused.expect(403);
    assert_eq!(refused.json()["error"], "Access denied");
    let unknown = post(
        &server,
        &format!("/api/v1/agents/{}/api-keys", Uuid::new_v4()),
        ADMIN,
        "{}",
    );
    unknown.expect(404);
    assert_eq!(
        unknown.json(),
        json!({"success": false, "error": "Agent not found", "code": "NOT_FOUND"})
    );
}

#[test]
fn per_key_rate_limit_is_a_fixed_window_and_snake_case_is_ignored() {
    let server = DevServer::memory();
    let agent = Agent::new(24);
    agent.register(&server);
    let limited = mint(&server, ADMIN, agent.agent, json!({"rateLimit": 3}));
    let unlimited = mint(&server, ADMIN, agent.agent, json!({"rate_limit": 1}));
    let path = head_path(agent.tenant, Uuid::new_v4());
    for _ in 0..3 {
        get(&server, &path, &limited).expect(200);
    }
    let refused = get(&server, &path, &limited);
    refused.expect_auth_error(429, "rate_limited", "Rate limit exceeded");
    assert_eq!(refused.header("retry-after"), Some("60"));
    for _ in 0..5 {
        get(&server, &path, &unlimited).expect(200);
    }
}

#[test]
fn api_keys_are_stored_as_hashes_and_survive_a_restart() {
    let dir = TempDir::new("keys");
    let agent = Agent::new(25);
    let key = {
        let server = DevServer::start(&["--data", dir.path()]);
        agent.register(&server);
        mint(&server, ADMIN, agent.agent, json!({"readOnly": true}))
    };
    let db = rusqlite::Connection::open(dir.0.join("devserver.sqlite3")).unwrap();
    let hashes: Vec<String> = db
        .prepare("SELECT key_hash FROM api_keys")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes, vec![ves_devserver::auth::key_hash(&key)]);
    drop(db);
    let raw = std::fs::read(dir.0.join("devserver.sqlite3")).unwrap();
    assert!(
        !raw.windows(key.len()).any(|w| w == key.as_bytes()),
        "the key itself is never stored"
    );

    let server = DevServer::start(&["--data", dir.path()]);
    get(&server, &head_path(agent.tenant, Uuid::new_v4()), &key).expect(200);
    agent
        .ingest(&server, ADMIN, &agent.events(Uuid::new_v4(), 1))
        .expect(200);
}
