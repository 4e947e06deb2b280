//! `ves capacity`: a stepped open-model search for the highest rate a sequencer sustains within
//! its targets (docs/CAPACITY.md). Each stage is one k6 run of load/capacity.js at a constant
//! arrival rate; its raw output gives exact per-stage figures, `/proc` gives k6's own CPU, and
//! the search stops after the first failing stage (or N in a row), optionally refining between
//! the last pass and the first fail. Writes capacity.json and capacity.html to RESULTS_DIR.

mod cpu;
mod html;
mod plan;
mod profile;
mod report;
mod runner;
mod server;
mod stats;
mod target;
mod verdict;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::Outcome;
use plan::Plan;
use report::{Metadata, Report};
use verdict::{StageContext, StageResult, Targets};

#[derive(Args)]
pub struct CapacityArgs {
    /// The sequencer (as SEQUENCER_BASE_URL for the scenarios). A non-loopback target needs --max-rate.
    #[arg(
        long,
        env = "SEQUENCER_BASE_URL",
        default_value = "http://localhost:8080"
    )]
    target: String,
    /// A `ves presign` corpus to replay (default: live signing in k6, which saturates the generator first).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Where the settings below come from when not given as flags: a name in load/profiles/ (beside
    /// --script), a file path, or `none` for the built-in defaults. Flags win over the profile.
    #[arg(long, env = "CAPACITY_PROFILE", default_value = profile::DEFAULT_PROFILE)]
    profile: String,
    /// Offered events/s of the first stage [profile, else 1000].
    #[arg(long)]
    start: Option<u64>,
    /// Events/s added per stage [profile, else 1000].
    #[arg(long, conflicts_with = "factor")]
    step: Option<u64>,
    /// Multiply the rate by this per stage instead of adding --step.
    #[arg(long)]
    factor: Option<f64>,
    /// Highest offered events/s (required for a non-loopback target; loopback: profile, else 20000).
    #[arg(long)]
    max_rate: Option<u64>,
    /// Length of each stage, seconds [profile, else 10].
    #[arg(long)]
    stage_seconds: Option<u64>,
    /// Ingest latency targets, ms (a stage passes when each percentile is below its target)
    /// [profile, else 20, 50, 100].
    #[arg(long)]
    p50_ms: Option<f64>,
    #[arg(long)]
    p95_ms: Option<f64>,
    #[arg(long)]
    p99_ms: Option<f64>,
    /// Achieved / offered events/s a stage needs [profile, else 0.95].
    #[arg(long)]
    min_achieved: Option<f64>,
    /// Stop after this many failing stages in a row [profile, else 1].
    #[arg(long)]
    stop_after_fails: Option<u32>,
    /// Extra stages bisecting between the last passing and the first failing rate [profile, else 0].
    #[arg(long)]
    refine: Option<u32>,
    /// k6 VUs started for the arrival rate (preAllocatedVUs) [profile, else 20].
    #[arg(long)]
    vus: Option<u64>,
    /// Most VUs k6 may add when answers slow down [profile, else --vus].
    #[arg(long)]
    max_vus: Option<u64>,
    /// Events per request with live signing (a corpus has its own).
    #[arg(long, env = "BATCH_SIZE", default_value_t = 100)]
    batch_size: u64,
    /// k6's CPU, as a fraction of the cores available, at which a stage is generator-limited
    /// [profile, else 0.9].
    #[arg(long)]
    generator_cpu: Option<f64>,
    /// An earlier capacity.json to draw beside this run.
    #[arg(long)]
    baseline: Option<PathBuf>,
    #[arg(long, env = "RESULTS_DIR", default_value = "results")]
    results_dir: PathBuf,
    /// The k6 binary.
    #[arg(long, env = "K6", default_value = "k6")]
    k6: PathBuf,
    /// The stage scenario.
    #[arg(long, default_value = "load/capacity.js")]
    script: PathBuf,
}

impl CapacityArgs {
    /// The settings given as flags, shaped like a profile's.
    fn flags(&self) -> profile::CapacityProfile {
        profile::CapacityProfile {
            start: self.start,
            step: self.step,
            factor: self.factor,
            max_rate: self.max_rate,
            stage_seconds: self.stage_seconds,
            p50_ms: self.p50_ms,
            p95_ms: self.p95_ms,
            p99_ms: self.p99_ms,
            min_achieved: self.min_achieved,
            stop_after_fails: self.stop_after_fails,
            refine: self.refine,
            vus: self.vus,
            max_vus: self.max_vus,
            generator_cpu: self.generator_cpu,
        }
    }
}

pub fn run(args: CapacityArgs) -> Result<Outcome> {
    let loopback = target::is_loopback(&args.target)?;
    let loaded = profile::load(&args.profile, &args.script)?;
    let set = profile::resolve(&args.flags(), &loaded.settings);
    let max_rate = match (set.max_rate, loopback) {
        (Some(m), _) => m,
        (None, true) => set.loopback_max_rate,
        (None, false) => bail!(
            "{} is not on this machine: give an explicit rate cap with --max-rate EVENTS_PER_S, so that the search cannot overload a shared sequencer (a profile's max_rate caps only a target on this machine)",
            args.target
        ),
    };
    let plan = Plan::new(set.start, set.growth, max_rate, set.stage_seconds)?;
    let fraction = |v: f64| v > 0.0 && v <= 1.0;
    if !fraction(set.min_achieved) || !fraction(set.generator_cpu) {
        bail!("--min-achieved and --generator-cpu are fractions in (0, 1]");
    }
    if set.stop_after_fails == 0 || set.vus == 0 || args.batch_size == 0 {
        bail!("--stop-after-fails, --vus and --batch-size must be at least 1");
    }
    let max_vus = set.max_vus.unwrap_or(set.vus).max(set.vus);
    let targets = Targets {
        p50_ms: set.p50_ms,
        p95_ms: set.p95_ms,
        p99_ms: set.p99_ms,
        min_achieved_ratio: set.min_achieved,
        generator_cpu_fraction: set.generator_cpu,
    };
    let baseline = args.baseline.as_deref().map(report::read).transpose()?;
    if !args.script.is_file() {
        bail!(
            "{}: no such scenario; run from the ves-k6 checkout or pass --script",
            args.script.display()
        );
    }
    let corpus = args
        .corpus
        .as_deref()
        .map(target::Corpus::open)
        .transpose()?;
    let batch = corpus.as_ref().map_or(args.batch_size, |c| c.batch_size);
    let lines_needed: u64 = plan
        .rates()
        .iter()
        .map(|r| lines_for(*r, plan.stage_seconds, batch))
        .sum();
    if let Some(c) = &corpus {
        if lines_needed > c.lines {
            eprintln!(
                "ves capacity: warning: the corpus holds {} batches, the plan needs up to {lines_needed}: later stages wrap around and resend events as idempotent replays; pre-sign more (--batches-per-vu)",
                c.lines
            );
        }
    }

    let dir = args.results_dir.join("capacity");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let cores = cpu::cores_available();
    let metadata = Metadata {
        k6_version: runner::k6_version(&args.k6)?,
        cpu_count: cores,
        mode: if corpus.is_some() { "corpus" } else { "live" }.into(),
        corpus: corpus.as_ref().map(|c| c.dir.display().to_string()),
        batch_size: batch,
        git_revision: runner::git_revision(),
        target: args.target.clone(),
        loopback,
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        stage_seconds: plan.stage_seconds,
        vus: set.vus,
        max_vus,
    };
    let rates = plan.rates();
    println!(
        "ves capacity: {} at {:?} events/s{}, stages of {} s, {}; expected duration at most {} s",
        args.target,
        rates,
        if set.refine > 0 {
            format!(" (+ up to {} refinement stages)", set.refine)
        } else {
            String::new()
        },
        plan.stage_seconds,
        if corpus.is_some() {
            "replaying the corpus"
        } else {
            "live signing in k6"
        },
        plan.expected_seconds(set.refine)
    );
    println!(
        "ves capacity: settings from the flags, then {}",
        loaded.path.as_ref().map_or(
            "the built-in defaults (--profile none)".into(),
            |p| format!("profile {}", p.display())
        )
    );
    if loopback {
        println!("ves capacity: the target is on this machine: k6 and the server share its {cores} cores");
    }

    let mut search = Search {
        args: &args,
        plan: &plan,
        targets: &targets,
        dir: &dir,
        corpus_dir: corpus.as_ref().map(|c| c.dir.clone()),
        batch,
        vus: set.vus,
        max_vus,
        cores,
        offset: 0,
        stages: Vec::new(),
    };
    plan::search(
        &rates,
        set.stop_after_fails,
        set.refine,
        |rate, refinement| Ok(search.stage(rate, refinement)?.passed),
    )?;

    let result = verdict::conclude(&search.stages);
    let report = Report {
        format: report::FORMAT.into(),
        metadata,
        targets: targets.clone(),
        stages: search.stages,
        result,
    };
    let json_path = args.results_dir.join("capacity.json");
    let html_path = args.results_dir.join("capacity.html");
    report::write(&json_path, &report)?;
    std::fs::write(&html_path, html::render(&report, baseline.as_ref()))
        .with_context(|| format!("writing {}", html_path.display()))?;
    println!("{}", verdict::result_line(&report.result));
    println!("ves capacity: {}", report.result.explanation);
    if loopback {
        println!("ves capacity: k6 and the server shared this machine's {cores} cores: the server alone may sustain more");
    }
    println!(
        "ves capacity: wrote {} and {}",
        json_path.display(),
        html_path.display()
    );
    if report.result.correctness_failures > 0 {
        eprintln!(
            "ves capacity: FAIL: {} correctness failures (rejections, invalid receipts, sequence anomalies, replay violations, script errors); see the stage logs in {}",
            report.result.correctness_failures,
            dir.display()
        );
        return Ok(Outcome::CheckFailed);
    }
    if report.result.max_sustainable_events_per_s.is_none() {
        eprintln!("ves capacity: FAIL: no stage passed; lower --start");
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

/// Batches a stage of `rate` events/s for `seconds` can send at most.
fn lines_for(rate: u64, seconds: u64, batch: u64) -> u64 {
    (rate * seconds).div_ceil(batch)
}

struct Search<'a> {
    args: &'a CapacityArgs,
    plan: &'a Plan,
    targets: &'a Targets,
    dir: &'a Path,
    corpus_dir: Option<PathBuf>,
    batch: u64,
    vus: u64,
    max_vus: u64,
    cores: usize,
    /// The first corpus line of the next stage, so that each stage sends fresh events.
    offset: u64,
    stages: Vec<StageResult>,
}

impl Search<'_> {
    fn stage(&mut self, rate: u64, refinement: bool) -> Result<&StageResult> {
        let index = self.stages.len() + 1;
        let secs = self.plan.stage_seconds;
        let dir = self.dir.display().to_string();
        let mut env: Vec<(String, String)> = vec![
            ("SEQUENCER_BASE_URL".into(), self.args.target.clone()),
            ("RATE".into(), rate.to_string()),
            ("STAGE".into(), index.to_string()),
            ("STAGE_DURATION".into(), format!("{secs}s")),
            ("VUS".into(), self.vus.to_string()),
            ("MAX_VUS".into(), self.max_vus.to_string()),
            ("P50_MS".into(), self.targets.p50_ms.to_string()),
            ("P95_MS".into(), self.targets.p95_ms.to_string()),
            ("P99_MS".into(), self.targets.p99_ms.to_string()),
            ("RESULTS_DIR".into(), dir),
            // Empty for live signing, whatever the environment says.
            (
                "REPLAY_DIR".into(),
                self.corpus_dir
                    .as_ref()
                    .map_or(String::new(), |d| d.display().to_string()),
            ),
            ("CORPUS_OFFSET".into(), self.offset.to_string()),
        ];
        if self.corpus_dir.is_none() {
            env.push(("BATCH_SIZE".into(), self.batch.to_string()));
        }
        self.offset += lines_for(rate, secs, self.batch);
        let run = runner::run_k6(
            &self.args.k6,
            &self.args.script,
            &env,
            self.dir,
            &format!("stage-{index}"),
        )?;
        let stats = stats::read(&run.raw)?;
        let k6_cpu = stats
            .window
            .and_then(|(from, to)| cpu::cpu_use(&run.samples, from, to));
        let ctx = StageContext {
            index,
            refinement,
            offered_eps: rate,
            seconds: secs as f64,
            batch: self.batch,
            k6_cpu_cores: k6_cpu.map(|c| c.used),
            k6_cpu_wait_cores: k6_cpu.map(|c| c.waited),
            // What k6 may use: its own affinity (a `taskset` wrapper as --k6), else ours.
            cores_available: run.cores_allowed.unwrap_or(self.cores),
            max_vus: self.max_vus,
            k6_exit_code: run.exit_code,
        };
        let mut result = verdict::judge(&ctx, &stats, self.targets);
        // Beside k6's figures, the server's own (docs/OBSERVE.md).
        result.server = server::stage(&ctx, &stats);
        let ms = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
        println!(
            "stage {index}{}: offered {rate} achieved {:.0} events/s, ingest p50/p95/p99 {}/{}/{} ms{}, {} requests, {} failed, {} rejected, {} dropped, k6 CPU {}{}: {}",
            if refinement { " (refine)" } else { "" },
            result.achieved_eps,
            ms(result.p50_ms),
            ms(result.p95_ms),
            ms(result.p99_ms),
            server::summary(result.server.as_ref()),
            result.requests,
            result.failed_requests,
            result.rejections,
            result.dropped_iterations,
            result.k6_cpu_fraction.map_or("–".into(), |f| format!("{:.0} % of {} cores", f * 100.0, ctx.cores_available)),
            result.k6_cpu_wait_cores.map_or(String::new(), |w| format!(" (+{w:.2} cores waited for)")),
            if result.passed {
                "PASS".to_string()
            } else {
                format!(
                    "FAIL ({}); limited by {}: {}",
                    result.reasons.join("; "),
                    result.limited_by.map_or("unknown", |l| l.as_str()),
                    result.attribution.as_deref().unwrap_or("")
                )
            }
        );
        if !matches!(run.exit_code, Some(0) | Some(99)) {
            eprintln!(
                "ves capacity: k6 failed in stage {index}; its log: {}",
                run.log.display()
            );
        }
        self.stages.push(result);
        Ok(self.stages.last().expect("just pushed"))
    }
}
