//! capacity.json: the run's metadata, every stage and the conclusion (format `ves-capacity/1`);
//! the same file is read back as a `--baseline`.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::verdict::{Conclusion, StageResult, Targets};

pub const FORMAT: &str = "ves-capacity/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metadata {
    pub k6_version: String,
    pub cpu_count: usize,
    /// "corpus" (a `ves presign` corpus replayed) or "live" (k6 signs).
    pub mode: String,
    pub corpus: Option<String>,
    pub batch_size: u64,
    pub git_revision: String,
    pub target: String,
    /// The target is this machine: k6 and the server share its cores.
    pub loopback: bool,
    pub started_at: String,
    pub stage_seconds: u64,
    pub vus: u64,
    pub max_vus: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub metadata: Metadata,
    pub targets: Targets,
    pub stages: Vec<StageResult>,
    pub result: Conclusion,
}

pub fn write(path: &Path, report: &Report) -> Result<()> {
    let text = serde_json::to_string_pretty(report)? + "\n";
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

pub fn read(path: &Path) -> Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let report: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a capacity.json written by ves capacity",
            path.display()
        )
    })?;
    if report.format != FORMAT {
        bail!(
            "{}: format {:?}, expected {FORMAT:?}",
            path.display(),
            report.format
        );
    }
    Ok(report)
}
