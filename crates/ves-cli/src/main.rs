//! `ves`: the command-line side of ves-k6. Every computation is ves-core's; this binary reads
//! and writes files, measures, and reports. Exit codes: 0 success, 1 a check failed
//! (`conformance` found a mismatch), 2 the command could not run (bad arguments or input).

mod cmd;
mod http;
mod json;
mod secret;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ves",
    version,
    about = "VES v1 tools for ves-k6: keygen, pubkey, conformance, vectors, bench, presign, register-key, audit, verify-chain, signer, capacity, spec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate an Ed25519 agent key from OS randomness; print its public key.
    Keygen(cmd::keygen::KeygenArgs),
    /// Derive the public key of a 32-byte seed.
    Pubkey(cmd::keygen::PubkeyArgs),
    /// Recompute every value of VES vector files and compare (exit 1 on any mismatch).
    Conformance(cmd::conformance::ConformanceArgs),
    /// Write random, deterministic conformance cases (format ves-vectors/1).
    Vectors(cmd::vectors::VectorsArgs),
    /// Native single-thread throughput: signed events/s and proof verifications/s.
    Bench(cmd::bench::BenchArgs),
    /// Pre-sign a corpus of ingest bodies for k6 replay mode, one shard per VU.
    Presign(cmd::presign::PresignArgs),
    /// Register an agent's public key (POST /api/v1/agents/keys) with an admin key from the environment.
    RegisterKey(cmd::register_key::RegisterKeyArgs),
    /// After a run: commit (--commit), check every stream's chain and proofs, and prove that every
    /// acknowledged event of the receipts files is in the committed log exactly once.
    Audit(cmd::audit::AuditArgs),
    /// Fetch a stream's commitments, check the chain and verify sampled inclusion proofs (`ves audit` without receipts does this for several streams).
    VerifyChain(cmd::verify_chain::VerifyChainArgs),
    /// Local signing service for k6 (docs/SIGNER.md): signs whole batches natively over loopback.
    Signer(cmd::signer::SignerArgs),
    /// Stepped search for the highest events/s a sequencer sustains within its targets (k6 runs).
    Capacity(cmd::capacity::CapacityArgs),
    /// The protocol's promises checked one by one against a server: PASS, FAIL or SKIP per property (docs/SPEC.md).
    Spec(cmd::spec::SpecArgs),
}

/// What a command reports back to `main`.
pub enum Outcome {
    Ok,
    /// The command ran and a check failed (exit 1).
    CheckFailed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(a) => cmd::keygen::keygen(a),
        Command::Pubkey(a) => cmd::keygen::pubkey(a),
        Command::Conformance(a) => cmd::conformance::run(a),
        Command::Vectors(a) => cmd::vectors::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Presign(a) => cmd::presign::run(a),
        Command::RegisterKey(a) => cmd::register_key::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::VerifyChain(a) => cmd::verify_chain::run(a),
        Command::Signer(a) => cmd::signer::run(a),
        Command::Capacity(a) => cmd::capacity::run(a),
        Command::Spec(a) => cmd::spec::run(a),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ves: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// `ves --help`'s first line and docs/CLI.md name every subcommand there is.
    #[test]
    fn help_and_cli_doc_list_every_subcommand() {
        let cli = Cli::command();
        let about = cli.get_about().map(|a| a.to_string()).unwrap_or_default();
        let doc = include_str!("../../../docs/CLI.md");
        let headings: Vec<&str> = doc.lines().filter(|l| l.starts_with("## ")).collect();
        for sub in cli.get_subcommands() {
            let name = sub.get_name();
            let listed = about.split([':', ',', ' ']).any(|w| w.trim() == name);
            assert!(listed, "`ves --help` does not list {name}: {about}");
            let documented = headings.iter().any(|h| {
                h.contains(&format!("`ves {name}`")) || h.contains(&format!("`ves {name} "))
            });
            assert!(documented, "docs/CLI.md has no section for `ves {name}`");
        }
    }
}
