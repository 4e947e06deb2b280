//! The server's own view of a stage (docs/OBSERVE.md): what load/capacity.js's teardown() read
//! from the sequencer's `GET /metrics` (LIVE_OBSERVED.md §11), found in the stage's raw output as
//! `ves_server_*` points: the events it sequenced during the stage and its ingest latency
//! percentiles from its own histogram, shown beside k6's figures. Absent when the sequencer's
//! /metrics could not be read with the run's key.

use serde::{Deserialize, Serialize};

use super::stats::StageStats;
use super::verdict::StageContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerStage {
    /// Events the server counted as sequenced during the stage (`sequencer_events_sequenced`).
    pub sequenced: u64,
    /// The same as events/s, scaled as `achieved_eps` is (offered × sequenced / scheduled events),
    /// so that the two are equal when the server stored every event k6 had accepted.
    pub sequenced_eps: f64,
    /// Server-side ingest latency percentiles over the stage (`sequencer_ingest_latency_seconds`).
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

pub fn stage(ctx: &StageContext, stats: &StageStats) -> Option<ServerStage> {
    let sequenced = stats.server_sequenced?;
    let scheduled = (stats.iterations + stats.dropped_iterations) * ctx.batch;
    let sequenced_eps = if scheduled > 0 {
        ctx.offered_eps as f64 * sequenced as f64 / scheduled as f64
    } else {
        sequenced as f64 / ctx.seconds
    };
    Some(ServerStage {
        sequenced,
        sequenced_eps,
        p50_ms: stats.server_p50_ms,
        p95_ms: stats.server_p95_ms,
        p99_ms: stats.server_p99_ms,
    })
}

/// The stage line's addition: ", server: sequenced N events/s, ingest p50/p95/p99 a/b/c ms".
pub fn summary(server: Option<&ServerStage>) -> String {
    let ms = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
    match server {
        None => String::new(),
        Some(s) => format!(
            ", server: sequenced {:.0} events/s, ingest p50/p95/p99 {}/{}/{} ms",
            s.sequenced_eps,
            ms(s.p50_ms),
            ms(s.p95_ms),
            ms(s.p99_ms)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> StageContext {
        StageContext {
            index: 1,
            refinement: false,
            offered_eps: 1000,
            seconds: 10.0,
            batch: 100,
            k6_cpu_cores: None,
            k6_cpu_wait_cores: None,
            cores_available: 2,
            max_vus: 8,
            k6_exit_code: Some(0),
        }
    }

    #[test]
    fn scaled_like_achieved() {
        let stats = StageStats {
            iterations: 99,
            dropped_iterations: 1,
            server_sequenced: Some(9_900),
            server_p50_ms: Some(2.0),
            ..StageStats::default()
        };
        let s = stage(&ctx(), &stats).unwrap();
        assert_eq!(s.sequenced, 9_900);
        assert!((s.sequenced_eps - 990.0).abs() < 1e-9);
        assert_eq!(s.p50_ms, Some(2.0));
        assert_eq!(s.p99_ms, None);
        assert!(summary(Some(&s)).contains("sequenced 990 events/s, ingest p50/p95/p99 2.0/–/– ms"));
    }

    #[test]
    fn absent_without_a_reading() {
        assert_eq!(stage(&ctx(), &StageStats::default()), None);
        assert_eq!(summary(None), "");
    }
}
