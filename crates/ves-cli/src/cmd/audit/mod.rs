//! `ves audit`: after a run, against the devserver or a real sequencer, proves what the run was
//! told: optionally commits what is still uncommitted (`--commit`), checks the state-root chain
//! of every stream of the run and a sample of inclusion proofs (`--all`: every one), and, with
//! `--receipts`, that every acknowledged event is in the committed log exactly once
//! (membership.rs). docs/SCALE.md describes the receipts format and the output.

mod corpus;
mod membership;
mod receipts;
mod report;
mod server;

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use uuid::Uuid;

use crate::http::{ApiKey, Client};
use crate::Outcome;
use receipts::Receipts;
use report::{Report, StreamReport};

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Args)]
pub struct AuditArgs {
    /// Sequencer base URL.
    #[arg(long, default_value = "http://localhost:8080")]
    url: String,
    /// Name of the environment variable that holds an API key (read; write too with --commit).
    #[arg(long, value_name = "NAME", default_value = "API_KEY")]
    api_key_env: String,
    /// k6 log files with `ves-receipts` lines (RECEIPTS_LOG=1 and --log-output=file=PATH), one per process.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    receipts: Vec<PathBuf>,
    /// The `ves presign` corpus a replay run sent: signing hashes and signatures of its events.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Streams to check besides those of the receipts (all of them when no receipts are given).
    #[arg(long, default_value = NIL)]
    tenant_id: Uuid,
    #[arg(long = "store-id", value_name = "UUID")]
    store_ids: Vec<Uuid>,
    /// First commit every acknowledged event that no commitment covers yet.
    #[arg(long)]
    commit: bool,
    /// Verify the inclusion proof of every sequence number of every commitment.
    #[arg(long)]
    all: bool,
    /// Inclusion proofs verified per commitment without --all: the first and last, then random ones.
    #[arg(long, default_value_t = 3)]
    samples: u32,
    /// Seed of the random samples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Proofs fetched per stream to tell what sits at positions that no receipt names.
    #[arg(long, default_value_t = 20)]
    identify: usize,
    /// Print the result as one JSON document instead of the human summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: AuditArgs) -> Result<Outcome> {
    let client = Client::new(&args.url, ApiKey::from_env(&args.api_key_env)?)?;
    let mut receipts = Receipts::read_files(&args.receipts)?;
    if !args.receipts.is_empty() && receipts.events == 0 {
        bail!(
            "no ves-receipts lines in {}: run k6 with -e RECEIPTS_LOG=1 --log-output=file=PATH (docs/SCALE.md)",
            args.receipts
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let filled = match &args.corpus {
        Some(dir) => Some(corpus::fill(&mut receipts, dir)?),
        None => None,
    };
    let mut streams: BTreeSet<(Uuid, Uuid)> = receipts.streams.keys().copied().collect();
    for s in &args.store_ids {
        streams.insert((args.tenant_id, *s));
    }
    if streams.is_empty() {
        streams.insert((args.tenant_id, Uuid::nil()));
    }
    let mut report = Report::new(&args.receipts, receipts.lines, receipts.events, filled);
    let bar = report::progress(args.json);
    for (tenant, store) in streams {
        let claims = receipts
            .streams
            .get(&(tenant, store))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut sr = StreamReport::new(tenant, store);
        server::audit_stream(&client, &args, claims, &mut sr, &bar)?;
        report.streams.push(sr);
    }
    bar.finish_and_clear();
    let pass = report.pass();
    if args.json {
        report.print_json()?;
    } else {
        report.print_human();
    }
    Ok(if pass {
        Outcome::Ok
    } else {
        Outcome::CheckFailed
    })
}
