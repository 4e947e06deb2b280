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
    about = "VES v1 tools for ves-k6: keygen, pubkey, conformance, vectors, bench, presign, register-key, audit, verify-chain, signer, capacity, spec",
    long_about = LONG_ABOUT
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate an Ed25519 agent key from OS randomness; print its public key.
    ///
    /// Prints the public key, 64 lowercase hex digits, on stdout. --seed-out FILE writes the seed
    /// (64 hex digits and a newline) to a new file with mode 0600 and never replaces an existing
    /// file; --show-seed prints it as a second line of stdout. With neither, a warning says that
    /// nothing can sign for the key.
    Keygen(cmd::keygen::KeygenArgs),
    /// Derive the public key of a 32-byte seed.
    ///
    /// Prints the public key, 64 lowercase hex digits (the seed: 64 hex digits, optional 0x).
    /// A sequencer's receipt-signing public key, which k6 checks receipts with
    /// (SEQUENCER_PUBLIC_KEY), is `ves pubkey` of its VES_SEQUENCER_SIGNING_KEY: the real
    /// sequencer publishes no key. Prefer --seed-file (arguments are visible in the process
    /// list), e.g. `ves pubkey --seed-file <(printf %s "$VES_SEQUENCER_SIGNING_KEY")`.
    Pubkey(cmd::keygen::PubkeyArgs),
    /// Recompute every value of VES vector files and compare (exit 1 on any mismatch).
    ///
    /// The format of each file is recognized from its content: the live capture of a real
    /// sequencer, the computed KAT, the upstream ves_sig_1 and ves_enc_1 vectors, or the
    /// ves-vectors/1 output of `ves vectors`. Output: one line per category,
    /// `FILE  CATEGORY  ok/total ok|FAILED  (note)`, the first mismatches of a failed category
    /// (JSON path, expected and found values), the parts skipped and why, and last a line
    /// starting with `conformance:` and ending with result=PASS or result=FAIL.
    Conformance(cmd::conformance::ConformanceArgs),
    /// Write random, deterministic conformance cases (format ves-vectors/1).
    ///
    /// JCS cases, signed events, derived stream store ids, and trees of every size 1..=300 with
    /// their proofs and mutations; the same --seed writes the same bytes. The format is in
    /// docs/VECTORS.md; `ves conformance` passes on the output.
    Vectors(cmd::vectors::VectorsArgs),
    /// Native single-thread throughput: signed events/s and proof verifications/s.
    ///
    /// Signed events: batches of order events built, canonicalized, hashed, signed and
    /// serialized into their ingest body. Proofs: random inclusion proofs of a 65,536-leaf tree
    /// verified against the commitment. A table with a per-stage breakdown follows, and the last
    /// line is `ves-bench: events_per_s=N proofs_per_s=N`. A debug build warns that its numbers
    /// mean nothing.
    Bench(cmd::bench::BenchArgs),
    /// Pre-sign a corpus of ingest bodies for k6 replay mode, one shard per VU.
    ///
    /// Writes DIR/vu-NNNN.ndjson (one ingest body per line, exactly as POSTed), a
    /// vu-NNNN.hashes.ndjson sidecar of signing hashes, and DIR/manifest.json (ves-presign/1).
    /// The events are the k6 library's seeded content: with the same --seed, --shape, key and
    /// --created-at, the k6 scenarios send the same events. Format and use: docs/REPLAY.md.
    Presign(cmd::presign::PresignArgs),
    /// Register an agent's public key (POST /api/v1/agents/keys) with an admin key from the environment.
    ///
    /// The admin key is read from the variable --admin-key-env names (default ADMIN_API_KEY).
    /// HTTP 200 (registered) and 409 (already registered) exit 0; 401/403 say the key was refused.
    /// The real sequencer answers 500 when (tenant, agent, key id) is already registered: the
    /// error says so, and the key is then usable as it is.
    RegisterKey(cmd::register_key::RegisterKeyArgs),
    /// After a run: commit (--commit), check every stream's chain and proofs, and prove that every
    /// acknowledged event of the receipts files is in the committed log exactly once.
    Audit(cmd::audit::AuditArgs),
    /// Fetch a stream's commitments, check the chain and verify sampled inclusion proofs (`ves audit` without receipts does this for several streams).
    ///
    /// The chain: contiguous ranges, consistent leaf counts and depths, every state root
    /// recomputed and linked to the previous one. Per commitment, --samples proofs (the first,
    /// the last, then random ones from --seed) are verified against it. The last line ends with
    /// result=PASS or result=FAIL (exit 1). An https URL needs a build with `--features https`.
    VerifyChain(cmd::verify_chain::VerifyChainArgs),
    /// Local signing service for k6 (docs/SIGNER.md): signs whole batches natively over loopback.
    Signer(cmd::signer::SignerArgs),
    /// Stepped search for the highest events/s a sequencer sustains within its targets (k6 runs).
    Capacity(cmd::capacity::CapacityArgs),
    /// The protocol's promises checked one by one against a server: PASS, FAIL or SKIP per property (docs/SPEC.md).
    Spec(cmd::spec::SpecArgs),
}

/// `ves --help`: what holds for every command.
const LONG_ABOUT: &str =
    "VES v1 tools for ves-k6: keygen, pubkey, conformance, vectors, bench, presign, \
register-key, audit, verify-chain, signer, capacity, spec. Every hash, signature, JCS string and Merkle \
value comes from ves-core; this binary reads, writes, measures and reports.

Exit codes: 0 success; 1 the command ran and a check failed (conformance found a mismatch, audit \
or verify-chain a broken log, capacity no maximum); 2 the command could not run (bad arguments, \
unreadable or unrecognized input), with one line on stderr, `ves: error: ...`, that says what was \
expected, what was found and what to do. (`ves spec` follows the same rule: 1 when a MUST or \
SHOULD property fails, 2 when the suite could not run.)

Secrets: seeds are never printed unless asked for (keygen --show-seed), never written into a \
manifest, written to new files with mode 0600 and never overwritten, and never echoed in an error \
(a bad seed is described by its length). API keys are read from environment variables only, \
never from the command line, and never printed.";

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

    /// docs/CLI.md: every command's `--help`, as clap renders it.
    fn cli_markdown() -> String {
        let mut cli = Cli::command();
        cli.build();
        let mut out = String::from(
            "# `ves`: command-line reference\n\n\
             <!-- Generated from the clap definitions in crates/ves-cli: edit the doc comments \
             there, then run `make docs`. -->\n\n\
             Every command's `--help`, as `ves` prints it (`cargo build --release -p ves-cli`, \
             then `target/release/ves`). Examples, output formats and what the numbers mean: \
             [COMMANDS.md](COMMANDS.md).\n\n",
        );
        out.push_str(&format!("```text\n{}```\n", cli.render_long_help()));
        for sub in cli.get_subcommands_mut().filter(|s| s.get_name() != "help") {
            let name = sub.get_name().to_string();
            let help = sub.render_long_help().to_string();
            out.push_str(&format!("\n## `ves {name}`\n\n```text\n{help}```\n"));
        }
        out
    }

    /// docs/CLI.md is what `cli_markdown` writes (`VES_UPDATE_DOCS=1` rewrites it: `make docs`).
    #[test]
    fn cli_doc_is_generated() {
        // VES_DOCS_DIR: another docs/ folder (scripts/docs.sh's self-test checks a changed copy).
        let dir = std::env::var("VES_DOCS_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs").into());
        let path = format!("{dir}/CLI.md");
        let generated = cli_markdown();
        if std::env::var_os("VES_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "docs/CLI.md differs from what clap prints: run `make docs` \
             (VES_UPDATE_DOCS=1 cargo test -p ves-cli cli_doc)"
        );
    }

    /// `ves --help`'s first line names every subcommand there is (docs/CLI.md, generated, shows
    /// each one's help).
    #[test]
    fn help_lists_every_subcommand() {
        let cli = Cli::command();
        let about = cli.get_about().map(|a| a.to_string()).unwrap_or_default();
        for sub in cli.get_subcommands() {
            let name = sub.get_name();
            let listed = about.split([':', ',', ' ']).any(|w| w.trim() == name);
            assert!(listed, "`ves --help` does not list {name}: {about}");
        }
    }
}
