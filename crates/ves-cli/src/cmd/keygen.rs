//! `ves keygen` and `ves pubkey`. The public key goes to stdout; the seed only where asked.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use ves_core::{hexfmt, sign};

use crate::secret;
use crate::Outcome;

#[derive(Args)]
pub struct KeygenArgs {
    /// Write the 32-byte seed (64 hex digits) to this new file, mode 0600. Never overwrites.
    #[arg(long, value_name = "FILE")]
    seed_out: Option<PathBuf>,
    /// Also print the seed to stdout (second line). Off by default: seeds are secrets.
    #[arg(long)]
    show_seed: bool,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["seed_file", "seed"])))]
pub struct PubkeyArgs {
    /// A file holding the seed as 64 hex digits (as written by `ves keygen --seed-out`).
    #[arg(long, value_name = "FILE")]
    seed_file: Option<PathBuf>,
    /// The seed as 64 hex digits (visible to other users in the process list: prefer --seed-file).
    #[arg(long, value_name = "HEX")]
    seed: Option<String>,
}

/// Prints the public key (line 1) and, with `--show-seed`, the seed (line 2).
pub fn keygen(args: KeygenArgs) -> Result<Outcome> {
    let seed = secret::os_random_seed();
    if let Some(path) = &args.seed_out {
        secret::write_seed_file(path, &seed, false)?;
        eprintln!("ves: seed written to {} (mode 0600)", path.display());
    } else if !args.show_seed {
        eprintln!(
            "ves: warning: the seed was not saved (use --seed-out FILE or --show-seed); nothing can sign for this public key"
        );
    }
    let key = sign::signing_key_from_seed(&seed);
    println!("{}", hexfmt::encode(key.verifying_key().as_bytes()));
    if args.show_seed {
        println!("{}", hexfmt::encode(&seed));
    }
    Ok(Outcome::Ok)
}

pub fn pubkey(args: PubkeyArgs) -> Result<Outcome> {
    let seed = match (&args.seed_file, &args.seed) {
        (Some(path), _) => secret::read_seed_file(path)?,
        (None, Some(hex)) => secret::parse_seed_hex(hex, "--seed")?,
        (None, None) => bail!("give --seed-file FILE or --seed HEX"),
    };
    let key = sign::signing_key_from_seed(&seed);
    println!("{}", hexfmt::encode(key.verifying_key().as_bytes()));
    Ok(Outcome::Ok)
}
