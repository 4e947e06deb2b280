//! `ves signer`: a local signing service for k6 (docs/SIGNER.md). It holds agent keys (from
//! seed files, or generated on request) and turns the fields a scenario chooses into the exact
//! signed ingest body, natively: k6 spends its CPU on the load, not on Ed25519 in JavaScript.
//! Loopback only by default; seeds are never printed.

mod access;
mod batch;
mod check;
mod content;
mod corpus;
mod keys;
mod metrics;
mod pending;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use clap::Args;

use crate::secret;
use crate::Outcome;

#[derive(Args)]
pub struct SignerArgs {
    /// Address to listen on. Loopback by default; port 0 picks a free port (printed).
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR")]
    listen: SocketAddr,
    /// Hold the key of this seed file (64 hex digits, as `ves keygen --seed-out` writes). Repeatable.
    #[arg(long, value_name = "FILE")]
    seed_file: Vec<PathBuf>,
    /// Refuse POST /v1/keys: sign only with the --seed-file keys.
    #[arg(long)]
    no_generate: bool,
    /// At most this many generated keys (each run of a scenario asks for one).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_keys: u32,
    /// Allow a non-loopback --listen address; then a token is required.
    #[arg(long)]
    allow_remote: bool,
    /// A file holding the token clients must send (Authorization: Bearer …). Also read from
    /// VES_SIGNER_TOKEN. Optional on loopback, required with --allow-remote.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Log throughput and CPU every this many seconds while signing (0: never).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    log_interval: u64,
    /// Batches held for the check of their answers (POST /v1/check) at most; beyond it the
    /// oldest is dropped unchecked (docs/SIGNER.md, "Checking answers").
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    check_batches: u32,
    /// Seconds a batch is held for the check of its answer (or, kept, of its re-send).
    #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    check_ttl: u64,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: Option<u32>,
}

pub fn run(args: SignerArgs) -> Result<Outcome> {
    let token_text = match &args.token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --token-file {}", path.display()))?,
        ),
        None => std::env::var("VES_SIGNER_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty()),
    };
    if token_text.as_ref().is_some_and(|t| t.trim().is_empty()) {
        return Err(anyhow!("the token file is empty; write a token into it"));
    }
    access::check_bind(&args.listen, args.allow_remote, token_text.is_some())
        .map_err(|e| anyhow!(e))?;
    let app = Arc::new(routes::App {
        keys: keys::KeyStore::new(args.max_keys as usize, !args.no_generate),
        metrics: metrics::Metrics::new(),
        token: token_text.as_deref().map(access::Token::new),
        pending: pending::Pending::new(
            args.check_batches as usize,
            Duration::from_secs(args.check_ttl),
        ),
        corpora: check::Corpora::default(),
    });
    for path in &args.seed_file {
        let public = app.keys.insert_seed(&secret::read_seed_file(path)?);
        eprintln!(
            "ves signer: holding key {public} (seed file {})",
            path.display()
        );
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        runtime.worker_threads(n as usize);
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(app, &args))?;
    Ok(Outcome::Ok)
}

async fn serve(app: Arc<routes::App>, args: &SignerArgs) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "ves signer listening url=http://{addr} keys={} token={}",
        app.keys.len(),
        if app.token.is_some() {
            "required"
        } else {
            "none"
        }
    );
    if args.log_interval > 0 {
        tokio::spawn(metrics::log_every(
            app.clone(),
            Duration::from_secs(args.log_interval),
        ));
    }
    axum::serve(listener, routes::router(app.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    let s = app.metrics.snapshot();
    eprintln!(
        "ves signer stopped: {} events in {} batches, {} hashes, {} answers checked ({} receipts, {} failures), CPU {:.2} s ({:.1} us/event) over {:.1} s",
        s.events,
        s.batches,
        s.hashes,
        s.answers,
        s.receipts,
        s.failures,
        s.cpu_s,
        if s.events > 0 { s.cpu_s * 1e6 / s.events as f64 } else { 0.0 },
        s.uptime_s
    );
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = interrupt => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = interrupt.await;
}
