//! The verdict of a stage (achieved ≥ 95 % of offered, latency targets, nothing failed, nothing
//! rejected), which side held a failing stage back, decided from measurements (attribution
//! below), and the search's conclusion: the highest passing rate below the first failing one.

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
    /// k6's CPU (used plus waited for) as a fraction of the cores it may use at which a stage
    /// is generator-limited; below half of it k6 counts as idle.
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
    /// k6_cpu_cores divided by the cores k6 may use.
    pub k6_cpu_fraction: Option<f64>,
    /// Cores' worth of time k6's threads waited for a CPU while runnable (schedstat).
    #[serde(default)]
    pub k6_cpu_wait_cores: Option<f64>,
    /// The cores k6 may use (its CPU affinity).
    #[serde(default)]
    pub k6_cores_allowed: Option<usize>,
    /// Mean iteration duration (ms) and the share of it spent in ingest requests.
    #[serde(default)]
    pub iteration_mean_ms: Option<f64>,
    #[serde(default)]
    pub request_share: Option<f64>,
    /// p95 of how late iterations started after their place in the schedule, ms.
    #[serde(default)]
    pub start_lag_p95_ms: Option<f64>,
    /// The most VUs running at once, and the most k6 could start (maxVUs).
    #[serde(default)]
    pub vus_max: Option<u64>,
    #[serde(default)]
    pub max_vus: Option<u64>,
    pub k6_exit_code: Option<i32>,
    pub latency_ok: bool,
    pub passed: bool,
    /// Why the stage failed (empty when it passed).
    pub reasons: Vec<String>,
    /// For a failing stage: which side held it back (server, generator or unknown).
    #[serde(default)]
    pub limited_by: Option<LimitedBy>,
    /// The measurement that decided `limited_by`, with its numbers.
    #[serde(default)]
    pub attribution: Option<String>,
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
    /// Cores' worth of run-queue wait of k6's threads over the stage.
    pub k6_cpu_wait_cores: Option<f64>,
    /// The cores k6 may use (its affinity; the machine's when unknown).
    pub cores_available: usize,
    /// maxVUs of the stage.
    pub max_vus: u64,
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
    let passed = reasons.is_empty();
    let (limited_by, attribution) = if passed {
        (None, None)
    } else {
        let (side, why) = attribute(ctx, stats, t, latency_ok);
        (Some(side), Some(why))
    };
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
        k6_cpu_wait_cores: ctx.k6_cpu_wait_cores,
        k6_cores_allowed: Some(ctx.cores_available),
        iteration_mean_ms: stats.iteration_mean_ms(),
        request_share: stats.request_share(),
        // The lag is exact only without drops (load/capacity.js).
        start_lag_p95_ms: (stats.dropped_iterations == 0)
            .then(|| stats.start_lag(95.0))
            .flatten(),
        vus_max: stats.vus_max,
        max_vus: Some(ctx.max_vus),
        k6_exit_code: ctx.k6_exit_code,
        latency_ok,
        passed,
        reasons,
        limited_by,
        attribution,
        server: None,
    }
}

/// Iterations almost all request time: the VUs wait on answers.
pub const REQUEST_BOUND_SHARE: f64 = 0.8;
/// Iterations mostly outside requests: the VUs build and sign.
pub const COMPUTE_BOUND_SHARE: f64 = 0.5;
/// Iterations starting this late (p95) with VUs free: k6 cannot keep its schedule.
pub const LATE_START_MS: f64 = 100.0;

/// Which side held a failing stage back, and the measurement that decided it. In an open model
/// a slow server also makes k6 drop iterations and run out of VUs, so drops alone prove nothing;
/// what k6 did with its time does:
/// 1. generator: k6 asked for (used plus waited for) `generator_cpu_fraction` of the cores it
///    may use; or it dropped iterations while its iterations were mostly outside requests
///    (building and signing); or, with no iteration dropped (so VUs were free), iterations
///    started late;
/// 2. server: k6 used less than half of that, its iterations were almost all request time,
///    and either no VU was free (iterations dropped, or `vus` at maxVUs: more VUs would only
///    queue more) or the answers themselves failed the stage (latency, errors, rejections);
/// 3. unknown: neither, with the numbers.
fn attribute(
    ctx: &StageContext,
    stats: &StageStats,
    t: &Targets,
    latency_ok: bool,
) -> (LimitedBy, String) {
    let cores = ctx.cores_available.max(1) as f64;
    let cpu = ctx.k6_cpu_cores.map(|used| {
        let waited = ctx.k6_cpu_wait_cores.unwrap_or(0.0);
        (used, waited, (used + waited) / cores)
    });
    let cpu_text = cpu.map_or("k6 CPU not measured".to_string(), |(used, waited, f)| {
        format!(
            "k6 asked for {:.2} of the {} cores it may use ({:.0} %: used {used:.2}, waited {waited:.2} for a CPU; /proc/<k6 pid>/stat and schedstat over the stage)",
            used + waited,
            ctx.cores_available,
            f * 100.0
        )
    });
    let share = stats.request_share();
    let share_text = share.map_or("no iteration completed".to_string(), |r| {
        format!(
            "requests were {:.0} % of iteration time (mean iteration {:.1} ms)",
            r * 100.0,
            stats.iteration_mean_ms().unwrap_or(0.0)
        )
    });
    let vus_full = stats.vus_max.is_some_and(|v| v >= ctx.max_vus);
    let saturated = stats.dropped_iterations > 0 || vus_full;
    let no_vu_text = if stats.dropped_iterations > 0 {
        format!(
            "k6 dropped {} iterations (no VU free)",
            stats.dropped_iterations
        )
    } else {
        format!("all {} VUs were busy", ctx.max_vus)
    };
    if let Some((_, _, f)) = cpu {
        if f >= t.generator_cpu_fraction {
            return (
                LimitedBy::Generator,
                format!(
                    "{cpu_text}, at least {:.0} %: k6 had no CPU to spare (fewer VUs per k6, a corpus instead of live signing, or a bigger generator)",
                    t.generator_cpu_fraction * 100.0
                ),
            );
        }
    }
    if saturated && share.is_some_and(|r| r < COMPUTE_BOUND_SHARE) {
        return (
            LimitedBy::Generator,
            format!(
                "{no_vu_text} while its VUs spent their time outside requests: {share_text}, below {:.0} %: k6 could not start requests at the offered rate (more VUs, a corpus instead of live signing, or a bigger generator); {cpu_text}",
                COMPUTE_BOUND_SHARE * 100.0
            ),
        );
    }
    let lag = stats.start_lag(95.0);
    if stats.dropped_iterations == 0 && lag.is_some_and(|l| l >= LATE_START_MS) {
        return (
            LimitedBy::Generator,
            format!(
                "k6 started iterations late (p95 {:.0} ms after their scheduled time, ves_capacity_start_lag) with VUs free (none dropped): k6 could not keep its schedule; {cpu_text}",
                lag.unwrap_or(0.0)
            ),
        );
    }
    // Idle: k6 used less than half of the CPU share that makes it the limit (and, the rule above
    // having passed, was not starved either). What it waited for on a busy machine is not work.
    let idle = cpu.is_some_and(|(used, _, _)| used / cores < t.generator_cpu_fraction / 2.0);
    let request_bound = share.is_some_and(|r| r >= REQUEST_BOUND_SHARE);
    if idle && request_bound && saturated {
        return (
            LimitedBy::Server,
            format!(
                "the VUs were busy waiting on answers: {no_vu_text}, {share_text}, and {cpu_text}: more VUs would only queue more requests at the server"
            ),
        );
    }
    if idle && (stats.failed_requests > 0 || stats.rejections > 0) {
        return (
            LimitedBy::Server,
            format!(
                "the server answered {} of {} requests with an error and rejected {} events while k6 was idle: {cpu_text}",
                stats.failed_requests, stats.requests, stats.rejections
            ),
        );
    }
    if idle && !latency_ok && (request_bound || share.is_none()) {
        return (
            LimitedBy::Server,
            format!(
                "the server's answers were too slow for the targets while k6 was idle: {cpu_text}; {share_text}"
            ),
        );
    }
    (
        LimitedBy::Unknown,
        format!(
            "neither side decided it: {cpu_text}; {share_text}; {} dropped iterations; most VUs {} of {}; start lag p95 {}",
            stats.dropped_iterations,
            stats.vus_max.map_or("–".into(), |v| v.to_string()),
            ctx.max_vus,
            lag.map_or("–".into(), |l| format!("{l:.0} ms"))
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitedBy {
    Server,
    Generator,
    /// A stage failed and the measurements blame neither side.
    Unknown,
    /// The top stage still passed.
    None,
}

impl LimitedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitedBy::Server => "server",
            LimitedBy::Generator => "generator",
            LimitedBy::Unknown => "unknown",
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
    /// Why the first failing stage failed, and the measurement that decided which side held it.
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
        Some(f) => {
            let side = f.limited_by.unwrap_or(LimitedBy::Unknown);
            let why = f.attribution.clone().unwrap_or_default();
            let explanation = match side {
                LimitedBy::Generator => format!(
                    "at {} events/s the generator was the limit: {why}",
                    f.offered_eps
                ),
                LimitedBy::Server => format!(
                    "at {} events/s the server was the limit ({}): {why}",
                    f.offered_eps,
                    f.reasons.join("; ")
                ),
                _ => format!(
                    "at {} events/s the stage failed ({}) and the limit is unknown: {why}",
                    f.offered_eps,
                    f.reasons.join("; ")
                ),
            };
            (side, explanation)
        }
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
            k6_cpu_wait_cores: Some(0.0),
            cores_available: 2,
            max_vus: 4,
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

    /// A failing stage's figures: `ms` per request, iterations of `iteration_ms`.
    fn failing(ms: f64, iteration_ms: f64, dropped: u64, vus: u64) -> StageStats {
        StageStats {
            ingest_ms: vec![ms; 100],
            iteration_ms: vec![iteration_ms; 100],
            requests: 100,
            events_ok: 2000,
            dropped_iterations: dropped,
            vus_max: Some(vus),
            ..Default::default()
        }
    }

    fn side(c: &StageContext, s: &StageStats) -> (LimitedBy, String) {
        let r = judge(c, s, &targets());
        assert!(!r.passed);
        (r.limited_by.unwrap(), r.attribution.unwrap())
    }

    #[test]
    fn the_generator_is_blamed_on_its_own_measures() {
        // k6 busy on 1.9 of its 2 cores.
        let (who, why) = side(&ctx(5000, Some(1.9)), &failing(80.0, 85.0, 0, 2));
        assert_eq!(who, LimitedBy::Generator, "{why}");
        assert!(why.contains("asked for 1.90 of the 2 cores"), "{why}");
        // Using little but waiting for a CPU: starved, still the generator.
        let mut c = ctx(5000, Some(0.3));
        c.k6_cpu_wait_cores = Some(0.7);
        c.cores_available = 1;
        let (who, why) = side(&c, &failing(20.0, 300.0, 50, 4));
        assert_eq!(who, LimitedBy::Generator, "{why}");
        assert!(why.contains("waited 0.70"), "{why}");
        // Dropped iterations while iterations are mostly signing: the generator.
        let (who, why) = side(&ctx(5000, Some(0.6)), &failing(5.0, 60.0, 50, 4));
        assert_eq!(who, LimitedBy::Generator, "{why}");
        assert!(
            why.starts_with("k6 dropped 50 iterations") && why.contains("outside requests"),
            "{why}"
        );
        // No drop, VUs free, but iterations started late: the generator.
        let mut late = failing(5.0, 6.0, 0, 2);
        late.start_lag_ms = vec![400.0; 20];
        let (who, why) = side(&ctx(5000, Some(0.3)), &late);
        assert_eq!(who, LimitedBy::Generator, "{why}");
        assert!(why.contains("late (p95 400 ms"), "{why}");
    }

    #[test]
    fn the_server_is_blamed_when_k6_waits_on_it() {
        // The real sequencer of issue 19: drops, k6 at 35 % of 2 cores, iterations all request time.
        let (who, why) = side(&ctx(1500, Some(0.7)), &failing(730.0, 735.0, 30, 4));
        assert_eq!(who, LimitedBy::Server, "{why}");
        assert!(
            why.contains("busy waiting on answers: k6 dropped 30 iterations")
                && why.contains("more VUs"),
            "{why}"
        );
        // Waiting for a CPU on a busy machine is not work: used 0.4 of 2 cores, waited 0.9.
        let mut busy_box = ctx(1500, Some(0.4));
        busy_box.k6_cpu_wait_cores = Some(0.9);
        let (who, why) = side(&busy_box, &failing(730.0, 735.0, 30, 4));
        assert_eq!(who, LimitedBy::Server, "{why}");
        assert!(why.contains("used 0.40, waited 0.90"), "{why}");
        // vus at maxVUs without a drop says the same.
        let (who, why) = side(&ctx(1500, Some(0.2)), &failing(730.0, 735.0, 0, 4));
        assert_eq!(who, LimitedBy::Server, "{why}");
        assert!(why.contains("all 4 VUs were busy"), "{why}");
        // Errors from an idle k6's point of view: the server.
        let mut s = failing(3.0, 20.0, 0, 1);
        s.failed_requests = 10;
        let (who, why) = side(&ctx(1000, Some(0.2)), &s);
        assert_eq!(who, LimitedBy::Server, "{why}");
        assert!(why.contains("10 of 100 requests with an error"), "{why}");
        // Slow answers, no saturation, k6 idle: the server.
        let (who, _) = side(&ctx(1000, Some(0.2)), &failing(300.0, 310.0, 0, 1));
        assert_eq!(who, LimitedBy::Server);
    }

    #[test]
    fn neither_side_is_blamed_without_the_numbers() {
        // k6 half busy (between idle and saturated), drops, iterations request-bound.
        let (who, why) = side(&ctx(1500, Some(1.2)), &failing(200.0, 210.0, 30, 4));
        assert_eq!(who, LimitedBy::Unknown, "{why}");
        assert!(
            why.contains("neither side decided it") && why.contains("30 dropped"),
            "{why}"
        );
        // No CPU measure at all.
        let (who, _) = side(&ctx(1500, None), &failing(200.0, 210.0, 30, 4));
        assert_eq!(who, LimitedBy::Unknown);
        // A passing stage has no attribution.
        let ok = judge(&ctx(1000, Some(0.2)), &stats(9500, 5.0), &targets());
        assert!(ok.passed && ok.limited_by.is_none() && ok.attribution.is_none());
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
        if !passed {
            r.limited_by = Some(if gen {
                LimitedBy::Generator
            } else {
                LimitedBy::Server
            });
            r.attribution = Some("k6 CPU".into());
        }
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
