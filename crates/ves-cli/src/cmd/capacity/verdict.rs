//! The verdict of a stage (achieved ≥ 95 % of offered, latency targets, nothing failed, nothing
//! rejected), whether the generator rather than the server was the limit, and the search's
//! conclusion: the highest passing rate below the first failing one.

use serde::{Deserialize, Serialize};

use super::stats::StageStats;

/// What a stage must meet, and when k6 counts as saturated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Targets {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Achieved / offered events/s a stage needs (0.95).
    pub min_achieved_ratio: f64,
    /// k6's CPU as a fraction of the cores available at which a stage is generator-limited.
    pub generator_cpu_fraction: f64,
}

/// One stage as reported (capacity.json) and judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageResult {
    pub index: usize,
    /// A stage between the last passing and the first failing one (`--refine`).
    pub refinement: bool,
    pub offered_eps: u64,
    pub achieved_eps: f64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub requests: u64,
    pub failed_requests: u64,
    pub rejections: u64,
    pub dropped_iterations: u64,
    /// receipts invalid + sequence anomalies + replay violations + rejections + script errors.
    pub correctness_failures: u64,
    /// k6's utime+stime over the stage divided by its wall time (cores busy).
    pub k6_cpu_cores: Option<f64>,
    /// k6_cpu_cores divided by the cores available.
    pub k6_cpu_fraction: Option<f64>,
    pub k6_exit_code: Option<i32>,
    pub latency_ok: bool,
    pub passed: bool,
    /// Why the stage failed (empty when it passed).
    pub reasons: Vec<String>,
    /// Set when k6, not the server, held the stage back; says which measure showed it.
    pub generator_limited: Option<String>,
    /// The server's own view of the stage (server.rs); absent in reports made before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<super::server::ServerStage>,
}

/// Measures of one stage that do not come from k6's raw output.
pub struct StageContext {
    pub index: usize,
    pub refinement: bool,
    pub offered_eps: u64,
    pub seconds: f64,
    /// Events per iteration (one request).
    pub batch: u64,
    pub k6_cpu_cores: Option<f64>,
    pub cores_available: usize,
    pub k6_exit_code: Option<i32>,
}

pub fn judge(ctx: &StageContext, stats: &StageStats, t: &Targets) -> StageResult {
    // k6 schedules duration × rate batches, give or take the one at the stage's last instant:
    // the share of scheduled events (completed + dropped iterations) that passed, times the
    // offered rate, is exact where dividing by the duration is off by that one batch.
    let scheduled = (stats.iterations + stats.dropped_iterations) * ctx.batch;
    let achieved = if scheduled > 0 {
        ctx.offered_eps as f64 * stats.events_ok as f64 / scheduled as f64
    } else {
        stats.events_ok as f64 / ctx.seconds
    };
    let (p50, p95, p99) = (
        stats.percentile(50.0),
        stats.percentile(95.0),
        stats.percentile(99.0),
    );
    let mut reasons = Vec::new();
    let ratio = achieved / ctx.offered_eps as f64;
    if ratio < t.min_achieved_ratio {
        reasons.push(format!(
            "achieved {achieved:.0} events/s, {:.1} % of offered (needs {:.0} %)",
            ratio * 100.0,
            t.min_achieved_ratio * 100.0
        ));
    }
    let mut latency_ok = true;
    for (name, value, target) in [
        ("p50", p50, t.p50_ms),
        ("p95", p95, t.p95_ms),
        ("p99", p99, t.p99_ms),
    ] {
        match value {
            Some(v) if v < target => {}
            Some(v) => {
                latency_ok = false;
                reasons.push(format!("ingest {name} {v:.1} ms ≥ {target} ms"));
            }
            None => {
                latency_ok = false;
                reasons.push("no ingest request completed".into());
                break;
            }
        }
    }
    if stats.failed_requests > 0 {
        reasons.push(format!(
            "{} of {} ingest requests failed",
            stats.failed_requests, stats.requests
        ));
    }
    if stats.rejections > 0 {
        reasons.push(format!("{} events rejected", stats.rejections));
    }
    let correctness = stats.correctness_failures();
    if correctness > stats.rejections {
        reasons.push(format!(
            "correctness: receipts_invalid={} sequence_anomalies={} replay_violations={} script_errors={}",
            stats.receipts_invalid, stats.sequence_anomalies, stats.replay_violations, stats.script_errors
        ));
    }
    if !matches!(ctx.k6_exit_code, Some(0) | Some(99)) {
        reasons.push(format!(
            "k6 exited with {} (0 or 99, thresholds crossed, expected)",
            ctx.k6_exit_code
                .map_or("a signal".into(), |c| c.to_string())
        ));
    }
    let cpu_fraction = ctx
        .k6_cpu_cores
        .map(|c| c / ctx.cores_available.max(1) as f64);
    let generator_limited = generator_limit(ctx, stats, t, cpu_fraction, latency_ok, p95);
    StageResult {
        index: ctx.index,
        refinement: ctx.refinement,
        offered_eps: ctx.offered_eps,
        achieved_eps: achieved,
        p50_ms: p50,
        p95_ms: p95,
        p99_ms: p99,
        requests: stats.requests,
        failed_requests: stats.failed_requests,
        rejections: stats.rejections,
        dropped_iterations: stats.dropped_iterations,
        correctness_failures: correctness,
        k6_cpu_cores: ctx.k6_cpu_cores,
        k6_cpu_fraction: cpu_fraction,
        k6_exit_code: ctx.k6_exit_code,
        latency_ok,
        passed: reasons.is_empty(),
        reasons,
        generator_limited,
        server: None,
    }
}

// In an open model a slow server also makes k6 drop iterations: drops count against the
// generator only while the server's answers still met the targets and none failed.
fn generator_limit(
    ctx: &StageContext,
    stats: &StageStats,
    t: &Targets,
    cpu_fraction: Option<f64>,
    latency_ok: bool,
    p95: Option<f64>,
) -> Option<String> {
    if let (Some(cores), Some(frac)) = (ctx.k6_cpu_cores, cpu_fraction) {
        if frac >= t.generator_cpu_fraction {
            return Some(format!(
                "k6 CPU {cores:.2} of {} cores ({:.0} % ≥ {:.0} %; utime+stime from /proc/<k6 pid>/stat over the stage / wall time)",
                ctx.cores_available,
                frac * 100.0,
                t.generator_cpu_fraction * 100.0
            ));
        }
    }
    if stats.dropped_iterations > 0 && latency_ok && stats.failed_requests == 0 {
        return Some(format!(
            "k6 dropped {} iterations (k6's dropped_iterations) while ingest latency met its targets (p95 {:.1} ms) and no request failed: k6 could not start requests at the offered rate (more VUs, a corpus instead of live signing, or a bigger generator)",
            stats.dropped_iterations,
            p95.unwrap_or(0.0)
        ));
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitedBy {
    Server,
    Generator,
    /// The top stage still passed.
    None,
}

impl LimitedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitedBy::Server => "server",
            LimitedBy::Generator => "generator",
            LimitedBy::None => "none",
        }
    }
}

/// What the search found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conclusion {
    pub max_sustainable_events_per_s: Option<u64>,
    pub p95_ms_at_max: Option<f64>,
    pub limited_by: LimitedBy,
    /// Why the first failing stage failed, and which measure blamed the generator if it did.
    pub explanation: String,
    pub correctness_failures: u64,
}

pub fn conclude(stages: &[StageResult]) -> Conclusion {
    let first_fail = stages
        .iter()
        .filter(|s| !s.passed)
        .min_by_key(|s| s.offered_eps);
    let below = |s: &&StageResult| first_fail.map_or(true, |f| s.offered_eps < f.offered_eps);
    let max = stages
        .iter()
        .filter(|s| s.passed)
        .filter(below)
        .max_by_key(|s| s.offered_eps);
    let (limited_by, explanation) = match first_fail {
        None => (
            LimitedBy::None,
            "every stage passed: raise --max-rate to search higher".to_string(),
        ),
        Some(f) => match &f.generator_limited {
            Some(why) => (
                LimitedBy::Generator,
                format!(
                    "at {} events/s the generator was the limit: {why}",
                    f.offered_eps
                ),
            ),
            None => (
                LimitedBy::Server,
                format!("at {} events/s: {}", f.offered_eps, f.reasons.join("; ")),
            ),
        },
    };
    Conclusion {
        max_sustainable_events_per_s: max.map(|s| s.offered_eps),
        p95_ms_at_max: max.and_then(|s| s.p95_ms),
        limited_by,
        explanation,
        correctness_failures: stages.iter().map(|s| s.correctness_failures).sum(),
    }
}

/// `ves-capacity: max_sustainable_events_per_s=… limited_by=… p95_ms_at_max=…`
pub fn result_line(c: &Conclusion) -> String {
    format!(
        "ves-capacity: max_sustainable_events_per_s={} limited_by={} p95_ms_at_max={}",
        c.max_sustainable_events_per_s
            .map_or("none".into(), |v| v.to_string()),
        c.limited_by.as_str(),
        c.p95_ms_at_max.map_or("none".into(), |v| format!("{v:.1}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets {
            p50_ms: 20.0,
            p95_ms: 50.0,
            p99_ms: 100.0,
            min_achieved_ratio: 0.95,
            generator_cpu_fraction: 0.9,
        }
    }

    fn ctx(offered: u64, cpu: Option<f64>) -> StageContext {
        StageContext {
            index: 0,
            refinement: false,
            offered_eps: offered,
            seconds: 10.0,
            batch: 100,
            k6_cpu_cores: cpu,
            cores_available: 2,
            k6_exit_code: Some(0),
        }
    }

    fn stats(events_ok: u64, ms: f64) -> StageStats {
        StageStats {
            ingest_ms: vec![ms; 100],
            requests: 100,
            events_ok,
            ..Default::default()
        }
    }

    #[test]
    fn a_stage_passes_only_when_everything_holds() {
        let t = targets();
        assert!(judge(&ctx(1000, Some(0.5)), &stats(9500, 5.0), &t).passed);
        let slow = judge(&ctx(1000, Some(0.5)), &stats(9500, 60.0), &t);
        assert!(!slow.passed && !slow.latency_ok);
        assert!(
            slow.reasons.iter().any(|r| r.contains("p95 60.0 ms")),
            "{:?}",
            slow.reasons
        );
        let short = judge(&ctx(1000, Some(0.5)), &stats(9400, 5.0), &t);
        assert!(
            !short.passed && short.reasons[0].contains("94.0 %"),
            "{:?}",
            short.reasons
        );
        let mut s = stats(9500, 5.0);
        s.failed_requests = 1;
        assert!(!judge(&ctx(1000, None), &s, &t).passed);
        let mut s = stats(9500, 5.0);
        s.rejections = 1;
        assert!(!judge(&ctx(1000, None), &s, &t).passed);
        let mut c = ctx(1000, None);
        c.k6_exit_code = Some(107);
        assert!(!judge(&c, &stats(9500, 5.0), &t).passed);
        let none = judge(&ctx(1000, None), &StageStats::default(), &t);
        assert!(!none.passed && none.p95_ms.is_none());
    }

    #[test]
    fn achieved_is_the_passing_share_of_what_k6_scheduled() {
        let t = targets();
        let scheduled = |iterations, dropped, events_ok| {
            let s = StageStats {
                iterations,
                dropped_iterations: dropped,
                ..stats(events_ok, 5.0)
            };
            judge(&ctx(200, None), &s, &t).achieved_eps
        };
        // 6 or 7 batches of 100 for 3 s at 200 events/s: k6 may start one at the last instant.
        assert_eq!(scheduled(6, 0, 600), 200.0);
        assert_eq!(scheduled(7, 0, 700), 200.0);
        assert_eq!(scheduled(5, 1, 500), 200.0 * 5.0 / 6.0);
        // A batch that failed counts as scheduled, not as achieved.
        assert_eq!(scheduled(6, 0, 500), 200.0 * 5.0 / 6.0);
    }

    #[test]
    fn the_generator_is_blamed_only_on_its_own_measures() {
        let t = targets();
        // k6 busy on 1.9 of 2 cores.
        let busy = judge(&ctx(5000, Some(1.9)), &stats(40000, 80.0), &t);
        assert!(
            busy.generator_limited
                .as_deref()
                .is_some_and(|w| w.contains("/proc")),
            "{busy:?}"
        );
        // Dropped iterations with fast answers: the generator.
        let mut s = stats(5000, 5.0);
        s.dropped_iterations = 50;
        let dropped = judge(&ctx(5000, Some(0.4)), &s, &t);
        assert!(dropped
            .generator_limited
            .as_deref()
            .is_some_and(|w| w.contains("dropped 50")));
        // Dropped iterations with slow answers: the server.
        let mut s = stats(5000, 300.0);
        s.dropped_iterations = 50;
        assert!(judge(&ctx(5000, Some(0.4)), &s, &t)
            .generator_limited
            .is_none());
    }

    fn stage(offered: u64, passed: bool, gen: bool) -> StageResult {
        let mut r = judge(
            &ctx(offered, Some(0.1)),
            &stats(offered * 10, 5.0),
            &targets(),
        );
        r.passed = passed;
        if !passed {
            r.reasons = vec!["x".into()];
        }
        r.generator_limited = gen.then(|| "k6 CPU".into());
        r
    }

    #[test]
    fn the_maximum_is_the_last_pass_below_the_first_fail() {
        let c = conclude(&[
            stage(1000, true, false),
            stage(2000, true, false),
            stage(3000, false, false),
            stage(2500, true, false),
        ]);
        assert_eq!(c.max_sustainable_events_per_s, Some(2500));
        assert_eq!(c.limited_by, LimitedBy::Server);
        assert_eq!(
            result_line(&c),
            "ves-capacity: max_sustainable_events_per_s=2500 limited_by=server p95_ms_at_max=5.0"
        );
        // A pass above the first failure does not count (noise, not capacity).
        let c = conclude(&[
            stage(1000, true, false),
            stage(2000, false, true),
            stage(3000, true, false),
        ]);
        assert_eq!(c.max_sustainable_events_per_s, Some(1000));
        assert_eq!(c.limited_by, LimitedBy::Generator);
        let c = conclude(&[stage(1000, true, false), stage(2000, true, false)]);
        assert_eq!(
            (c.max_sustainable_events_per_s, c.limited_by),
            (Some(2000), LimitedBy::None)
        );
        let c = conclude(&[stage(1000, false, false)]);
        assert_eq!(c.max_sustainable_events_per_s, None);
        assert!(result_line(&c).ends_with("p95_ms_at_max=none"));
    }
}
