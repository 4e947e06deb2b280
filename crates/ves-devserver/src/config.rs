//! Command line and environment (`VES_DEVSERVER_*`, and the real server's
//! `VES_SEQUENCER_SIGNING_KEY` / `VES_SEQUENCER_ID`).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use uuid::Uuid;

use crate::faults::FaultSpec;

pub const DEFAULT_ADMIN_KEY: &str = "ss_local_devserver_admin_key";

#[derive(Debug, Clone, Parser)]
#[command(
    name = "ves-devserver",
    version,
    about = "A local VES v1 sequencer with an embedded SQLite database that answers the real \
             StateSet sequencer's HTTP API. For demos, CI and trying the kit: not a production \
             sequencer (see docs/DEVSERVER.md)."
)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port; the start line shows the real one).
    #[arg(long, env = "VES_DEVSERVER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Data folder: the SQLite database, the sequencer's signing seed and `sequencer.pub`.
    #[arg(long, env = "VES_DEVSERVER_DATA", default_value = "./devserver-data")]
    pub data: PathBuf,

    /// Keep everything in memory and forget it at exit (no data folder is touched).
    #[arg(long, env = "VES_DEVSERVER_MEMORY")]
    pub memory: bool,

    /// The bootstrap admin API key (nil tenant, all stores, admin). Must start with `ss_`.
    #[arg(
        long,
        env = "VES_DEVSERVER_ADMIN_KEY",
        default_value = DEFAULT_ADMIN_KEY,
        hide_env_values = true
    )]
    pub admin_key: String,

    /// The receipt-signing Ed25519 seed (32 bytes: hex, optional 0x, or base64), instead of
    /// the one kept in the data folder.
    #[arg(long, env = "VES_SEQUENCER_SIGNING_KEY", hide_env_values = true)]
    pub sequencer_seed: Option<String>,

    /// The `sequencerId` of receipts, instead of the one kept in the data folder.
    #[arg(long, env = "VES_SEQUENCER_ID")]
    pub sequencer_id: Option<Uuid>,

    /// SQLite `synchronous` in WAL mode: `normal` survives a process crash (kill -9),
    /// `full` also survives power loss, at a cost per commit.
    #[arg(long, env = "VES_DEVSERVER_SYNC", value_enum, default_value_t = SyncMode::Normal)]
    pub sync: SyncMode,

    /// FOR TESTS ONLY: make the server misbehave on purpose (repeatable; KIND or KIND=VALUE).
    /// Kinds: bad_receipt_hash, bad_receipt_signature, skip_sequence, duplicate_sequence,
    /// lose_event, corrupt_proof, shed_load, shed_above_rate, replay_spelling, slow_ingest, replay_broken,
    /// accept_invalid_signature, reorder_entity_reads. See docs/DEVSERVER.md, "Test faults".
    #[arg(long = "fault", env = "VES_DEVSERVER_FAULT", value_delimiter = ',')]
    pub faults: Vec<FaultSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncMode {
    Normal,
    Full,
}

impl SyncMode {
    pub fn pragma(self) -> &'static str {
        match self {
            SyncMode::Normal => "NORMAL",
            SyncMode::Full => "FULL",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SyncMode::Normal => "normal",
            SyncMode::Full => "full",
        }
    }
}

impl Config {
    /// Refuses what the real server could never accept, before anything is opened.
    pub fn validate(&self) -> Result<(), String> {
        if !self.admin_key.starts_with("ss_") {
            return Err(
                "the admin key must start with `ss_` (the real sequencer refuses every API key \
                 without that prefix); set --admin-key or VES_DEVSERVER_ADMIN_KEY to ss_…"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_key_without_ss_prefix_is_refused() {
        let mut cfg = Config::parse_from(["ves-devserver"]);
        assert_eq!(cfg.admin_key, DEFAULT_ADMIN_KEY);
        cfg.validate().unwrap();
        cfg.admin_key = "dev_admin_key".into();
        assert!(cfg
            .validate()
            .unwrap_err()
            .contains("must start with `ss_`"));
    }

    #[test]
    fn faults_are_repeatable_and_comma_separated() {
        let cfg = Config::parse_from([
            "ves-devserver",
            "--fault",
            "bad_receipt_hash,skip_sequence=7",
            "--fault",
            "shed_load=0-2",
        ]);
        assert_eq!(cfg.faults.len(), 3);
    }
}
