//! The server's own metrics, `GET /metrics`: the real server's families for what the kit reads,
//! with its names, types, labels and buckets (LIVE_OBSERVED.md §11; stateset-sequencer v0.2.7
//! `src/metrics/mod.rs`), behind the same authentication (§2: an admin key; 401 `missing_auth`
//! without one, 403 "Admin permission required" with another key).
//!
//! Deliberate differences, all listed in docs/DEVSERVER.md:
//! - one `# TYPE` line (and a `# HELP` line) per family: the real server repeats `# TYPE` for each
//!   label set, which `promtool check metrics` refuses;
//! - every family exists from the start (value 0): the real server creates a counter at its first
//!   increment;
//! - `_sum` is exact: the real server truncates each observation to whole milliseconds;
//! - the pool gauges describe the devserver's SQLite connections (one writer, readers opened on
//!   demand, so there is no `sequencer_pool_max_connections`), and utilization is active / open;
//! - one family of the devserver's own, `ves_devserver_writer_busy_seconds_total`: the time its
//!   single SQLite writer was held, whose rate is the writer's utilization;
//! - `sequencer_events_sequenced` counts the events stored, so a receipt for an event that was
//!   not stored (the `lose_event` test fault) shows as a difference with what clients were told.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::db::PoolStats;

/// The real server's buckets, the same for every histogram (LIVE_OBSERVED.md §11), including
/// `sequencer_request_events_per_batch`, which counts events: there almost every batch lands in
/// +Inf. Kept, so that a query written against one server means the same on the other.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The labels of the HTTP families, in the real server's order.
const HTTP_LABELS: [&str; 3] = ["method", "path", "status"];

/// Distinct paths of unmatched requests (404s) kept as labels; further ones share one label
/// value, so that a client probing random paths cannot grow the output without bound (the real
/// server caps each family at 1000 label sets).
const MAX_UNMATCHED_PATHS: usize = 200;
pub const OVERFLOW_PATH: &str = "(other)";

/// The content type the real server answers /metrics with.
pub const CONTENT_TYPE: &str = "text/plain; charset=utf-8";

pub struct ServerMetrics {
    registry: Registry,
    started: Instant,
    uptime: IntGauge,
    events_sequenced: IntCounter,
    events_ingested: IntCounter,
    ves_events_verified: IntCounter,
    ves_events_received: IntCounter,
    events_rejected: IntCounter,
    errors_database: IntCounter,
    http_requests: IntCounterVec,
    http_latency: HistogramVec,
    ingest_latency: Histogram,
    events_per_batch: Histogram,
    pool_active: IntGauge,
    pool_idle: IntGauge,
    pool_total: IntGauge,
    pool_utilization: IntGauge,
    writer_busy: prometheus::Counter,
    /// Writer-busy nanoseconds already added to `writer_busy` (the pool keeps the running total).
    writer_busy_reported: Mutex<u64>,
    unmatched_paths: Mutex<HashSet<String>>,
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("a valid counter");
    registry
        .register(Box::new(c.clone()))
        .expect("registered once");
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("a valid gauge");
    registry
        .register(Box::new(g.clone()))
        .expect("registered once");
    g
}

fn histogram(registry: &Registry, name: &str, help: &str) -> Histogram {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(BUCKETS.to_vec()))
        .expect("a valid histogram");
    registry
        .register(Box::new(h.clone()))
        .expect("registered once");
    h
}

impl Default for ServerMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerMetrics {
    pub fn new() -> Self {
        let r = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("sequencer_http_requests_total", "HTTP requests answered"),
            &HTTP_LABELS,
        )
        .expect("a valid counter family");
        r.register(Box::new(http_requests.clone()))
            .expect("registered once");
        let http_latency = HistogramVec::new(
            HistogramOpts::new(
                "sequencer_http_request_latency_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(BUCKETS.to_vec()),
            &HTTP_LABELS,
        )
        .expect("a valid histogram family");
        r.register(Box::new(http_latency.clone()))
            .expect("registered once");
        let writer_busy = prometheus::Counter::new(
            "ves_devserver_writer_busy_seconds_total",
            "Time the devserver's single SQLite writer connection was held (its rate is the writer's utilization; the devserver's own, not the real server's)",
        )
        .expect("a valid counter");
        r.register(Box::new(writer_busy.clone()))
            .expect("registered once");
        ServerMetrics {
            started: Instant::now(),
            uptime: gauge(&r, "sequencer_uptime_seconds", "Time since service start"),
            events_sequenced: counter(
                &r,
                "sequencer_events_sequenced",
                "Events stored with a sequence number",
            ),
            events_ingested: counter(
                &r,
                "sequencer_events_ingested",
                "Events ingested (as sequenced)",
            ),
            ves_events_verified: counter(
                &r,
                "sequencer_ves_events_verified",
                "VES events whose signature verified and that were stored",
            ),
            ves_events_received: counter(
                &r,
                "sequencer_ves_events_received",
                "VES events received in ingest requests, replays and refused ones included",
            ),
            events_rejected: counter(
                &r,
                "sequencer_events_rejected",
                "Events rejected one by one (rejections[] of an ingest answer)",
            ),
            errors_database: counter(
                &r,
                "sequencer_errors_database",
                "Ingest requests that failed in the database (HTTP 500)",
            ),
            ingest_latency: histogram(
                &r,
                "sequencer_ingest_latency_seconds",
                "Time in the VES ingest handler, from its start to its answer",
            ),
            events_per_batch: histogram(
                &r,
                "sequencer_request_events_per_batch",
                "Events per VES ingest request (with the real server's latency buckets)",
            ),
            pool_active: gauge(
                &r,
                "sequencer_pool_active_connections",
                "SQLite connections in use (the writer and readers)",
            ),
            pool_idle: gauge(
                &r,
                "sequencer_pool_idle_connections",
                "SQLite connections open and idle",
            ),
            pool_total: gauge(
                &r,
                "sequencer_pool_total_connections",
                "SQLite connections open",
            ),
            pool_utilization: gauge(
                &r,
                "sequencer_pool_utilization",
                "Connections in use, percent of those open",
            ),
            http_requests,
            http_latency,
            writer_busy,
            writer_busy_reported: Mutex::new(0),
            unmatched_paths: Mutex::new(HashSet::new()),
            registry: r,
        }
    }

    /// An ingest request reached the handler with `events` events.
    pub fn ingest_received(&self, events: usize) {
        self.events_per_batch.observe(events as f64);
        self.ves_events_received.inc_by(events as u64);
    }

    /// The ingest handler answered after `elapsed`.
    pub fn ingest_answered(&self, elapsed: Duration) {
        self.ingest_latency.observe(elapsed.as_secs_f64());
    }

    /// A batch was sequenced: `stored` events written, `rejected` refused one by one.
    pub fn sequenced(&self, stored: u64, rejected: u64) {
        self.events_sequenced.inc_by(stored);
        self.events_ingested.inc_by(stored);
        self.ves_events_verified.inc_by(stored);
        self.events_rejected.inc_by(rejected);
    }

    /// The sequencing step failed (the real server counts every such failure).
    pub fn database_error(&self) {
        self.errors_database.inc();
    }

    /// One answered HTTP request. `route` is the route template (axum's `MatchedPath`), None for
    /// a request that matched no route.
    pub fn http_answered(
        &self,
        method: &str,
        route: Option<&str>,
        uri_path: &str,
        status: u16,
        elapsed: Duration,
    ) {
        let unmatched;
        let path = match route {
            Some(r) => r,
            None => {
                unmatched = self.unmatched_label(uri_path);
                unmatched.as_str()
            }
        };
        let status = status.to_string();
        let labels = [method, path, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    fn unmatched_label(&self, uri_path: &str) -> String {
        let path = normalize_path(uri_path);
        let mut seen = self.unmatched_paths.lock();
        if seen.contains(&path) || seen.len() < MAX_UNMATCHED_PATHS {
            seen.insert(path.clone());
            path
        } else {
            OVERFLOW_PATH.to_string()
        }
    }

    /// The text of `GET /metrics`, with the gauges read now.
    pub fn render(&self, pool: &PoolStats) -> String {
        self.uptime.set(self.started.elapsed().as_secs() as i64);
        let snapshot = pool.snapshot();
        self.pool_active.set(snapshot.active as i64);
        self.pool_total.set(snapshot.total as i64);
        self.pool_idle
            .set(snapshot.total.saturating_sub(snapshot.active) as i64);
        let percent = (snapshot.active * 100)
            .checked_div(snapshot.total)
            .unwrap_or(0);
        self.pool_utilization.set(percent as i64);
        {
            let mut reported = self.writer_busy_reported.lock();
            let now = snapshot.writer_busy_nanos;
            if now > *reported {
                self.writer_busy.inc_by((now - *reported) as f64 / 1e9);
                *reported = now;
            }
        }
        let mut out = Vec::new();
        // Encoding into memory only fails on a family without samples' names, which cannot be
        // built here; an empty answer would still parse.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The real server's `normalize_metrics_path` for requests without a route: each path segment
/// that looks like a UUID becomes `:id`.
pub fn normalize_path(path: &str) -> String {
    if path == "/" {
        return "/".into();
    }
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| if looks_like_uuid(s) { ":id" } else { s })
        .collect();
    format!("/{}", segments.join("/"))
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().filter(|&c| c == '-').count() == 4
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmatched_paths_are_normalized_and_bounded() {
        assert_eq!(
            normalize_path("/api/v1/agents/0dabcf3c-9e24-4f21-87b9-803879a5619c/x"),
            "/api/v1/agents/:id/x"
        );
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/nope"), "/nope");
        let m = ServerMetrics::new();
        for i in 0..MAX_UNMATCHED_PATHS + 5 {
            m.http_answered("GET", None, &format!("/p{i}"), 404, Duration::ZERO);
        }
        let text = m.render(&PoolStats::default());
        assert!(text.contains(&format!("path=\"{OVERFLOW_PATH}\"")));
        assert!(text.contains("path=\"/p0\""));
        assert!(!text.contains(&format!("path=\"/p{}\"", MAX_UNMATCHED_PATHS + 1)));
    }

    #[test]
    fn writer_busy_time_is_reported_once() {
        let m = ServerMetrics::new();
        let pool = PoolStats::default();
        pool.add_writer_busy(Duration::from_millis(1500));
        let first = m.render(&pool);
        assert!(
            first.contains("ves_devserver_writer_busy_seconds_total 1.5\n"),
            "{first}"
        );
        let again = m.render(&pool);
        assert!(
            again.contains("ves_devserver_writer_busy_seconds_total 1.5\n"),
            "{again}"
        );
    }
}
