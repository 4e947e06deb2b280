//! One stage = one k6 process. Per-stage runs make per-stage figures exact and simple: each
//! stage has its own raw output, its own exit code and its own CPU samples, with nothing to
//! separate afterwards (k6 tags no sample with a `stages` index, and a VU cannot read
//! aggregates). The cost is k6's start per stage, a few seconds, counted in the plan.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};

use super::cpu::{self, Sample};

/// How often k6's CPU time is sampled: often enough that a stage of a few seconds has a window.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// What one k6 process left behind.
pub struct StageRun {
    pub exit_code: Option<i32>,
    pub samples: Vec<Sample>,
    /// The cores k6 may run on (its CPU affinity), read while it ran.
    pub cores_allowed: Option<usize>,
    pub raw: PathBuf,
    pub log: PathBuf,
}

/// Runs `k6 run` with `--out json=RAW` and the given `-e` variables; its stdout and stderr go to
/// `LOG`; k6's CPU is sampled until it exits.
pub fn run_k6(
    k6: &Path,
    script: &Path,
    env: &[(String, String)],
    dir: &Path,
    name: &str,
) -> Result<StageRun> {
    let raw = dir.join(format!("{name}.ndjson"));
    let log = dir.join(format!("{name}.log"));
    let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    let mut cmd = Command::new(k6);
    // -a 127.0.0.1:0: k6's REST API on a free port, so that parallel runs do not collide.
    cmd.args(["run", "--no-usage-report", "-a", "127.0.0.1:0", "--out"])
        .arg(format!("json={}", raw.display()));
    for (k, v) in env {
        cmd.arg("-e").arg(format!("{k}={v}"));
    }
    cmd.arg(script).stdin(Stdio::null()).stdout(out).stderr(err);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting k6 ({}); set --k6 or K6 to its path", k6.display()))?;
    let pid = child.id();
    let mut samples = Vec::new();
    let mut cores_allowed = None;
    let status = loop {
        if let Some(s) = cpu::sample(pid) {
            samples.push(s);
        }
        // Read on: a wrapper (`exec taskset -c 0 k6 …`) sets the affinity after the start.
        if let Some(c) = cpu::cores_allowed(pid) {
            cores_allowed = Some(c);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    Ok(StageRun {
        exit_code: status.code(),
        samples,
        cores_allowed,
        raw,
        log,
    })
}

/// `k6 version`'s first line.
pub fn k6_version(k6: &Path) -> Result<String> {
    let out = Command::new(k6).arg("version").output().with_context(|| {
        format!(
            "running {} version; set --k6 or K6 to k6's path",
            k6.display()
        )
    })?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("unknown").trim().to_string())
}

/// The checkout's revision (`git rev-parse --short HEAD`), or "unknown" outside a git checkout.
pub fn git_revision() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}
