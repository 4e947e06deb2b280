//! A stage's figures from k6's raw output (`--out json`: one JSON object per line, a `Point` per
//! sample): exact percentiles of every ingest request, the events of requests that passed,
//! failures, rejections, dropped iterations and the correctness counters.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    metric: String,
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    tags: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What one stage measured.
#[derive(Debug, Default, Clone)]
pub struct StageStats {
    /// Durations (ms) of every ingest request.
    pub ingest_ms: Vec<f64>,
    pub requests: u64,
    pub failed_requests: u64,
    /// Events of requests that met the whole pass rule (`ves_capacity_events_ok`).
    pub events_ok: u64,
    pub rejections: u64,
    pub dropped_iterations: u64,
    /// Iterations completed (k6's `iterations`): with the dropped ones, what k6 scheduled.
    pub iterations: u64,
    pub receipts_invalid: u64,
    pub sequence_anomalies: u64,
    pub replay_violations: u64,
    pub script_errors: u64,
    /// Time of the first and the last ingest sample: the window of the CPU measure.
    pub window: Option<(SystemTime, SystemTime)>,
    /// The server's own view (teardown()'s `ves_server_*` points, server.rs): events it
    /// sequenced during the stage and its ingest percentiles, ms. None: not read.
    pub server_sequenced: Option<u64>,
    pub server_p50_ms: Option<f64>,
    pub server_p95_ms: Option<f64>,
    pub server_p99_ms: Option<f64>,
    /// Durations (ms) of the stage's iterations (k6's `iteration_duration`, scenario capacity).
    pub iteration_ms: Vec<f64>,
    /// How late each iteration started after its place in the arrival schedule, ms
    /// (`ves_capacity_start_lag`, load/capacity.js).
    pub start_lag_ms: Vec<f64>,
    /// The most VUs k6 had running at once (k6's `vus`).
    pub vus_max: Option<u64>,
}

impl StageStats {
    /// Percentile `p` (0..=100) of the ingest durations, interpolated between ranks as k6 does.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.ingest_ms, p)
    }

    /// The share of iteration time spent in ingest requests: near 1 when the VUs wait on
    /// answers, low when they build and sign (None without iterations).
    pub fn request_share(&self) -> Option<f64> {
        let iterations: f64 = self.iteration_ms.iter().sum();
        (iterations > 0.0).then(|| (self.ingest_ms.iter().sum::<f64>() / iterations).min(1.0))
    }

    /// Mean iteration duration, ms.
    pub fn iteration_mean_ms(&self) -> Option<f64> {
        (!self.iteration_ms.is_empty())
            .then(|| self.iteration_ms.iter().sum::<f64>() / self.iteration_ms.len() as f64)
    }

    /// Percentile `p` of the start lags, ms.
    pub fn start_lag(&self, p: f64) -> Option<f64> {
        percentile(&self.start_lag_ms, p)
    }

    /// Correctness failures: any of these makes the whole search fail.
    pub fn correctness_failures(&self) -> u64 {
        self.rejections
            + self.receipts_invalid
            + self.sequence_anomalies
            + self.replay_violations
            + self.script_errors
    }
}

/// Percentile `p` (0..=100) of `values`, interpolated between ranks as k6 does.
fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut v = values.to_vec();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (rank - lo as f64))
}

/// Reads a raw output file.
pub fn read(path: &Path) -> Result<StageStats> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("k6 wrote no raw output at {}", path.display()))?;
    let mut stats = StageStats::default();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a k6 JSON output line", path.display(), i + 1))?;
        if parsed.kind == "Point" {
            if let Some(data) = parsed.data {
                add_point(&mut stats, &parsed.metric, &data);
            }
        }
    }
    Ok(stats)
}

fn add_point(stats: &mut StageStats, metric: &str, data: &Data) {
    let value = data.value.unwrap_or(0.0);
    let tag = |k: &str| {
        data.tags
            .as_ref()
            .and_then(|t| t.get(k))
            .and_then(|v| v.as_str())
    };
    let ingest = tag("endpoint") == Some("ingest");
    let count = value.max(0.0).round() as u64;
    match metric {
        "http_req_duration" if ingest => {
            stats.ingest_ms.push(value);
            stats.requests += 1;
            if let Some(t) = data.time.as_deref().and_then(parse_time) {
                let (a, b) = stats.window.get_or_insert((t, t));
                *a = (*a).min(t);
                *b = (*b).max(t);
            }
        }
        "http_req_failed" if ingest && value > 0.0 => stats.failed_requests += 1,
        "ves_capacity_events_ok" => stats.events_ok += count,
        "iteration_duration" if tag("scenario") == Some("capacity") => {
            stats.iteration_ms.push(value)
        }
        "ves_capacity_start_lag" => stats.start_lag_ms.push(value),
        "vus" => stats.vus_max = Some(stats.vus_max.unwrap_or(0).max(count)),
        "ves_events_rejected" => stats.rejections += count,
        "dropped_iterations" => stats.dropped_iterations += count,
        "iterations" => stats.iterations += count,
        "ves_receipts_invalid" => stats.receipts_invalid += count,
        "ves_sequence_anomalies" => stats.sequence_anomalies += count,
        "ves_replay_violations" => stats.replay_violations += count,
        "ves_server_events_sequenced" => {
            stats.server_sequenced = Some(stats.server_sequenced.unwrap_or(0) + count)
        }
        "ves_server_ingest_p50" => stats.server_p50_ms = Some(value),
        "ves_server_ingest_p95" => stats.server_p95_ms = Some(value),
        "ves_server_ingest_p99" => stats.server_p99_ms = Some(value),
        "checks"
            if value == 0.0 && tag("check").is_some_and(|c| c.ends_with("no script error")) =>
        {
            stats.script_errors += 1
        }
        _ => {}
    }
}

fn parse_time(s: &str) -> Option<SystemTime> {
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    let nanos = u64::try_from(t.timestamp_nanos_opt()?).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(metric: &str, value: f64, tags: &str) -> String {
        format!(
            r#"{{"type":"Point","metric":"{metric}","data":{{"time":"2026-12-01T12:00:0{}.5Z","value":{value},"tags":{{{tags}}}}}}}"#,
            (value as u64) % 10
        )
    }

    #[test]
    fn reads_a_raw_output() {
        let ingest = r#""endpoint":"ingest","stage":"1""#;
        let lines = [
            r#"{"type":"Metric","data":{"name":"http_req_duration","type":"trend"},"metric":"http_req_duration"}"#.to_string(),
            point("http_req_duration", 4.0, ingest),
            point("http_req_duration", 2.0, ingest),
            point("http_req_duration", 1.0, r#""endpoint":"health""#),
            point("http_req_duration", 8.0, ingest),
            point("http_req_failed", 1.0, ingest),
            point("http_req_failed", 0.0, ingest),
            point("http_req_failed", 1.0, r#""endpoint":"register_key""#),
            point("ves_capacity_events_ok", 100.0, ""),
            point("ves_capacity_events_ok", 100.0, ""),
            point("dropped_iterations", 1.0, ""),
            point("iterations", 1.0, r#""scenario":"capacity""#),
            point("ves_events_rejected", 2.0, r#""reason":"x""#),
            point("checks", 0.0, r#""check":"capacity: no script error""#),
            point("checks", 0.0, r#""check":"ingest: HTTP 200""#),
            point("ves_server_events_sequenced", 200.0, r#""group":"::teardown""#),
            point("ves_server_ingest_p95", 7.5, r#""group":"::teardown""#),
            point("iteration_duration", 10.0, r#""scenario":"capacity""#),
            point("iteration_duration", 30.0, r#""scenario":"capacity""#),
            point("iteration_duration", 500.0, r#""group":"::setup""#),
            point("ves_capacity_start_lag", 2.0, ""),
            point("vus", 3.0, ""),
            point("vus", 5.0, ""),
            point("vus", 4.0, ""),
            String::new(),
        ];
        let dir = std::env::temp_dir().join(format!("ves-capacity-stats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("raw.ndjson");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let s = read(&path).unwrap();
        assert_eq!(s.requests, 3);
        assert_eq!(s.failed_requests, 1);
        assert_eq!(s.events_ok, 200);
        assert_eq!(s.dropped_iterations, 1);
        assert_eq!(s.iterations, 1);
        assert_eq!(s.rejections, 2);
        assert_eq!(s.script_errors, 1);
        assert_eq!(s.correctness_failures(), 3);
        assert_eq!(s.percentile(50.0), Some(4.0));
        assert_eq!(s.percentile(75.0), Some(6.0));
        assert_eq!(s.server_sequenced, Some(200));
        assert_eq!(s.server_p95_ms, Some(7.5));
        assert_eq!(s.server_p50_ms, None);
        assert_eq!(s.iteration_ms, [10.0, 30.0]);
        assert_eq!(s.iteration_mean_ms(), Some(20.0));
        // Ingest took 14 ms of the 40 ms of iterations.
        assert_eq!(s.request_share(), Some(14.0 / 40.0));
        assert_eq!(s.start_lag(95.0), Some(2.0));
        assert_eq!(s.vus_max, Some(5));
        let (a, b) = s.window.unwrap();
        assert_eq!(b.duration_since(a).unwrap(), Duration::from_secs(6));
        std::fs::write(&path, "not json\n").unwrap();
        assert!(read(&path)
            .unwrap_err()
            .to_string()
            .contains(":1: not a k6 JSON"));
        assert!(read(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn no_requests_no_percentile() {
        assert_eq!(StageStats::default().percentile(95.0), None);
    }
}
