//! `ves spec`: the protocol's promises, checked one by one against a server (docs/SPEC.md).
//! The catalogue (`spec/catalogue.json`) is data; this is its Rust runner, `js/spec.js` its k6
//! runner.

pub mod catalogue;
mod events;
#[cfg(test)]
mod golden;
pub(crate) mod html;
mod ids;
mod judge;
mod report;
mod runner;
mod template;
mod wire;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;

use crate::Outcome;

/// The devserver's default admin key: used only for loopback targets, as the scenarios do.
const DEVSERVER_ADMIN_KEY: &str = "ss_local_devserver_admin_key";

#[derive(Args)]
pub struct SpecArgs {
    /// The sequencer, http://HOST:PORT (plain http).
    #[arg(long, default_value = "http://localhost:8080")]
    target: String,
    /// Run one class only (authentication, parsing, validation, idempotency, sequencing,
    /// receipts, commitments, proofs, reads, shedding).
    #[arg(long, value_name = "CLASS")]
    only: Option<String>,
    /// Print the report as one JSON document instead of lines.
    #[arg(long)]
    json: bool,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The seed of the run's ids and agent keys (default: random; print it to repeat a run).
    #[arg(long)]
    seed: Option<String>,
    /// The sequencer's receipt-signing public key (hex), to check receipt signatures.
    #[arg(long, env = "SEQUENCER_PUBLIC_KEY", value_name = "HEX")]
    sequencer_key: Option<String>,
    /// List the properties and exit.
    #[arg(long)]
    list: bool,
}

fn admin_key(target: &wire::Target) -> Result<String> {
    for name in ["ADMIN_API_KEY", "API_KEY"] {
        if let Ok(v) = std::env::var(name) {
            if !v.trim().is_empty() {
                return Ok(v.trim().to_string());
            }
        }
    }
    if target.loopback() {
        return Ok(DEVSERVER_ADMIN_KEY.to_string());
    }
    bail!(
        "{} is not a loopback address, so the devserver's default key does not apply: export ADMIN_API_KEY=<admin API key> (keys are never taken from the command line)",
        target.base
    )
}

fn random_seed() -> String {
    use rand_core::RngCore;
    let mut b = [0u8; 8];
    rand_core::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn run(a: SpecArgs) -> Result<Outcome> {
    let catalogue = catalogue::shipped()?;
    if a.list {
        for p in &catalogue.properties {
            println!(
                "{:<48} {:<14} {:<6} {}",
                p.id,
                p.class,
                p.level.as_str(),
                p.title
            );
        }
        return Ok(Outcome::Ok);
    }
    let target = wire::Target::parse(&a.target)?;
    let key = admin_key(&target)?;
    let sequencer_key = a
        .sequencer_key
        .as_deref()
        .map(|h| {
            ves_core::sign::verifying_key_from_hex(h)
                .map_err(|e| anyhow!("--sequencer-key / SEQUENCER_PUBLIC_KEY: {e}"))
        })
        .transpose()?;
    let seed = a.seed.clone().unwrap_or_else(random_seed);
    let settings = runner::Settings {
        target,
        admin_key: key,
        seed: seed.clone(),
        sequencer_key,
        only: a.only.clone(),
    };
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let clock = Instant::now();
    let mut r = runner::Runner::new(&catalogue, &settings);
    r.setup()?;
    let results = r.run()?;
    let report = report::Report::new(
        &settings.target.base,
        &seed,
        settings.sequencer_key.is_some(),
        started,
        clock.elapsed().as_secs_f64(),
        results,
    );
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::text(&report, &catalogue));
    }
    if let Some(path) = &a.junit {
        std::fs::write(path, report::junit(&report, &catalogue))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &a.html {
        std::fs::write(path, html::render(&report, &catalogue))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(if report.passed() {
        Outcome::Ok
    } else {
        Outcome::CheckFailed
    })
}
