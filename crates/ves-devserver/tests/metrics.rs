//! `GET /metrics` over HTTP: the real server's authentication (LIVE_OBSERVED.md §2: an admin
//! key), its family names, types, labels and buckets (§11), and counts that follow the traffic.
//! The deliberate differences are listed in docs/DEVSERVER.md ("Metrics").

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{get, post, request, Agent, DevServer, TempDir, ADMIN, INGEST};
use uuid::Uuid;

/// The families the devserver serves, with the real server's types (LIVE_OBSERVED.md §11), and
/// the devserver's own writer counter.
const FAMILIES: [(&str, &str); 16] = [
    ("sequencer_uptime_seconds", "gauge"),
    ("sequencer_events_ingested", "counter"),
    ("sequencer_ves_events_verified", "counter"),
    ("sequencer_ves_events_received", "counter"),
    ("sequencer_events_rejected", "counter"),
    ("sequencer_errors_database", "counter"),
    ("sequencer_events_sequenced", "counter"),
    ("sequencer_http_requests_total", "counter"),
    ("sequencer_pool_idle_connections", "gauge"),
    ("sequencer_pool_active_connections", "gauge"),
    ("sequencer_pool_utilization", "gauge"),
    ("sequencer_pool_total_connections", "gauge"),
    ("sequencer_request_events_per_batch", "histogram"),
    ("sequencer_ingest_latency_seconds", "histogram"),
    ("sequencer_http_request_latency_seconds", "histogram"),
    ("ves_devserver_writer_busy_seconds_total", "counter"),
];

/// Every histogram's bounds, as the real server prints them (Rust's f64 Display).
const BOUNDS: [&str; 13] = [
    "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

fn metrics(server: &DevServer) -> String {
    let r = get(server, "/metrics", ADMIN);
    r.expect(200);
    assert_eq!(r.content_type, "text/plain; charset=utf-8");
    r.body
}

/// `name{labels} value` lines as (name, labels, value).
fn samples(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => {
                let inner = rest.strip_suffix('}').expect("closing brace");
                let labels = inner
                    .split("\",")
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once("=\"").expect("k=\"v\"");
                        (k.to_string(), v.trim_end_matches('"').to_string())
                    })
                    .collect();
                (n.to_string(), labels)
            }
            None => (series.to_string(), BTreeMap::new()),
        };
        out.push((name, labels, value.parse::<f64>().expect("a number")));
    }
    out
}

/// The value of the sample with this name and exactly these labels.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples(text)
        .into_iter()
        .find(|(n, l, _)| n == name && *l == want)
        .map(|(_, _, v)| v)
}

fn plain(text: &str, name: &str) -> f64 {
    value(text, name, &[]).unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

#[test]
fn metrics_need_an_admin_key_as_on_the_real_server() {
    let server = DevServer::memory();
    let url = server.at("/metrics");
    // LIVE_OBSERVED.md §11: "without it 401 {"code":"missing_auth","error":"Missing authentication"}".
    request("GET", &url, &[], None).expect_auth_error(
        401,
        "missing_auth",
        "Missing authentication",
    );
    request("GET", &url, &[("Authorization", "ApiKey ss_unknown")], None).expect_auth_error(
        401,
        "invalid_api_key",
        "Invalid API key",
    );
    request("GET", &url, &[("Authorization", "Bearer x")], None).expect_auth_error(
        401,
        "invalid_jwt",
        "Invalid JWT",
    );
    // §2: /metrics needs admin; the real `metrics_handler` answers this text to other keys.
    let agent = Agent::new(61);
    agent.register(&server);
    let minted = post(
        &server,
        &format!("/api/v1/agents/{}/api-keys", agent.agent),
        ADMIN,
        "{}",
    );
    let key = minted.json()["apiKey"].as_str().unwrap().to_string();
    get(&server, "/metrics", &key).expect_text(403, "Admin permission required");
    // The admin key in every header form the API takes (§2).
    get(&server, "/metrics", ADMIN).expect(200);
    request("GET", &url, &[("Authorization", ADMIN)], None).expect(200);
    request("GET", &url, &[("x-api-key", ADMIN)], None).expect(200);
}

#[test]
fn families_types_labels_and_buckets_are_the_real_ones() {
    let server = DevServer::memory();
    get(&server, "/health", ADMIN).expect(200);
    let text = metrics(&server);
    let types: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| {
            let (n, t) = l.split_once(' ').unwrap();
            (n.to_string(), t.to_string())
        })
        .collect();
    let want: BTreeSet<(String, String)> = FAMILIES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let got: BTreeSet<(String, String)> = types.iter().cloned().collect();
    assert_eq!(got, want);
    assert_eq!(types.len(), FAMILIES.len(), "one TYPE line per family");
    for (name, _) in FAMILIES {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has a HELP line"
        );
    }
    for family in [
        "sequencer_ingest_latency_seconds",
        "sequencer_request_events_per_batch",
        "sequencer_http_request_latency_seconds",
    ] {
        let bounds: Vec<String> = samples(&text)
            .into_iter()
            .filter(|(n, l, _)| {
                n == &format!("{family}_bucket")
                    && !matches!(l.get("path"), Some(p) if p != "/health")
            })
            .map(|(_, l, _)| l["le"].clone())
            .collect();
        assert_eq!(bounds, BOUNDS, "{family}");
    }
    // The HTTP families carry exactly method, path and status (and le for buckets).
    let labels: BTreeSet<String> = samples(&text)
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("sequencer_http_"))
        .flat_map(|(_, l, _)| l.into_keys())
        .collect();
    assert_eq!(
        labels,
        ["le", "method", "path", "status"].map(String::from).into()
    );
    assert_eq!(
        value(
            &text,
            "sequencer_http_requests_total",
            &[("method", "GET"), ("path", "/health"), ("status", "200")]
        ),
        Some(1.0)
    );
    // Every family is there from the start (a difference: the real server creates a counter at
    // its first increment).
    assert_eq!(plain(&text, "sequencer_events_rejected"), 0.0);
}

#[test]
fn counts_follow_the_traffic() {
    let server = DevServer::memory();
    let agent = Agent::new(62);
    agent.register(&server);
    let store = Uuid::new_v4();
    let before = metrics(&server);
    let mut events = agent.events(store, 10);
    let mut bad = agent.event(store, 99);
    bad.agent_signature[0] ^= 1;
    events.push(bad);
    let first = agent.ingest(&server, ADMIN, &events).json();
    assert_eq!(
        (
            first["eventsAccepted"].as_u64(),
            first["eventsRejected"].as_u64()
        ),
        (Some(10), Some(1))
    );
    // An exact replay: received again, sequenced nothing new.
    let again = agent.ingest(&server, ADMIN, &events[..10]).json();
    assert_eq!(again["eventsAccepted"].as_u64(), Some(0));
    // A request refused before the handler (401) and one that matches no route (404).
    request("POST", &server.at(INGEST), &[], Some("{}")).expect(401);
    request(
        "GET",
        &server.at(&format!("/nope/{}", Uuid::new_v4())),
        &[],
        None,
    )
    .expect(404);
    let after = metrics(&server);
    let delta = |name: &str| plain(&after, name) - plain(&before, name);
    assert_eq!(delta("sequencer_events_sequenced"), 10.0);
    assert_eq!(delta("sequencer_events_ingested"), 10.0);
    assert_eq!(delta("sequencer_ves_events_verified"), 10.0);
    assert_eq!(delta("sequencer_events_rejected"), 1.0);
    assert_eq!(delta("sequencer_ves_events_received"), 21.0);
    assert_eq!(delta("sequencer_ingest_latency_seconds_count"), 2.0);
    assert_eq!(delta("sequencer_request_events_per_batch_sum"), 21.0);
    assert_eq!(delta("sequencer_errors_database"), 0.0);
    let ingest_ok = [
        ("method", "POST"),
        ("path", "/api/v1/ves/events/ingest"),
        ("status", "200"),
    ];
    assert_eq!(
        value(&after, "sequencer_http_requests_total", &ingest_ok),
        Some(2.0)
    );
    assert_eq!(
        value(
            &after,
            "sequencer_http_request_latency_seconds_count",
            &ingest_ok
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &after,
            "sequencer_http_requests_total",
            &[
                ("method", "POST"),
                ("path", "/api/v1/ves/events/ingest"),
                ("status", "401")
            ]
        ),
        Some(1.0)
    );
    // §11: `path` is the route template; a path that matches none is normalized (UUIDs as :id).
    assert_eq!(
        value(
            &after,
            "sequencer_http_requests_total",
            &[("method", "GET"), ("path", "/nope/:id"), ("status", "404")]
        ),
        Some(1.0)
    );
    let proof = get(
        &server,
        &format!(
            "/api/v1/ves/proofs/1?tenant_id={}&store_id={store}&batch_id={}",
            agent.tenant,
            Uuid::new_v4()
        ),
        ADMIN,
    );
    assert_ne!(proof.status, 200);
    let status = proof.status.to_string();
    let with_proof = metrics(&server);
    assert_eq!(
        value(
            &with_proof,
            "sequencer_http_requests_total",
            &[
                ("method", "GET"),
                ("path", "/api/v1/ves/proofs/:sequence_number"),
                ("status", status.as_str())
            ]
        ),
        Some(1.0)
    );
    // The ingest histogram's buckets are cumulative and end at its count.
    let inf = value(
        &after,
        "sequencer_ingest_latency_seconds_bucket",
        &[("le", "+Inf")],
    );
    assert_eq!(
        inf,
        Some(plain(&after, "sequencer_ingest_latency_seconds_count"))
    );
}

#[test]
fn a_lost_write_shows_as_fewer_events_sequenced_than_acknowledged() {
    let server = DevServer::start_with(&["--memory"], &[("VES_DEVSERVER_FAULT", "lose_event=5")]);
    let agent = Agent::new(63);
    agent.register(&server);
    let answer = agent
        .ingest(&server, ADMIN, &agent.events(Uuid::new_v4(), 10))
        .json();
    assert_eq!(answer["eventsAccepted"].as_u64(), Some(10));
    let text = metrics(&server);
    assert_eq!(plain(&text, "sequencer_events_sequenced"), 9.0);
}

#[test]
fn pool_gauges_and_the_writer_follow_sqlite() {
    let dir = TempDir::new("metrics");
    let server = DevServer::start(&["--data", dir.path()]);
    let agent = Agent::new(64);
    agent.register(&server);
    agent
        .ingest(&server, ADMIN, &agent.events(Uuid::new_v4(), 20))
        .expect(200);
    get(&server, "/ready", ADMIN).expect(200);
    let text = metrics(&server);
    assert!(plain(&text, "ves_devserver_writer_busy_seconds_total") > 0.0);
    let total = plain(&text, "sequencer_pool_total_connections");
    let active = plain(&text, "sequencer_pool_active_connections");
    let idle = plain(&text, "sequencer_pool_idle_connections");
    assert!(total >= 2.0, "the writer and at least one reader: {total}");
    assert_eq!(active + idle, total);
    let utilization = plain(&text, "sequencer_pool_utilization");
    assert_eq!(utilization, (active * 100.0 / total).floor());
}
