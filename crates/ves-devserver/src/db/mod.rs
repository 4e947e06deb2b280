//! SQLite storage: one writer connection behind a mutex (SQLite has one writer anyway), and a
//! small pool of read-only connections that WAL mode lets run beside it. Every write is one
//! `BEGIN IMMEDIATE` transaction; a receipt is answered only after its transaction committed.
//!
//! `--memory` uses a single in-memory connection for both (SQLite cannot share a private
//! in-memory database between connections without table-level locking).

pub mod commitments;
pub mod events;
pub mod keys;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use crate::config::SyncMode;

pub const DB_FILE: &str = "devserver.sqlite3";

/// Schema version 1. UUIDs and hashes are BLOBs; `created_at` and `sequenced_at` are the exact
/// strings that were signed or answered; receipts live in their event's row.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_id            BLOB NOT NULL UNIQUE,
    tenant_id           BLOB NOT NULL,
    store_id            BLOB NOT NULL,
    sequence_number     INTEGER NOT NULL,
    source_agent_id     BLOB NOT NULL,
    agent_key_id        INTEGER NOT NULL,
    entity_type         TEXT NOT NULL,
    entity_id           TEXT NOT NULL,
    event_type          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    payload             TEXT NOT NULL,
    payload_plain_hash  BLOB NOT NULL,
    payload_cipher_hash BLOB NOT NULL,
    event_signing_hash  BLOB NOT NULL,
    agent_signature     BLOB NOT NULL,
    command_id          BLOB,
    base_version        INTEGER,
    content_fingerprint BLOB NOT NULL,
    sequencer_id        BLOB NOT NULL,
    sequenced_at        TEXT NOT NULL,
    receipt_hash        BLOB NOT NULL,
    sequencer_signature BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream_seq
    ON events (tenant_id, store_id, sequence_number);
CREATE INDEX IF NOT EXISTS events_by_entity
    ON events (tenant_id, store_id, entity_type, entity_id, sequence_number);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_command
    ON events (tenant_id, store_id, command_id) WHERE command_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS commitments (
    batch_id          BLOB PRIMARY KEY,
    tenant_id         BLOB NOT NULL,
    store_id          BLOB NOT NULL,
    tree_depth        INTEGER NOT NULL,
    leaf_count        INTEGER NOT NULL,
    padded_leaf_count INTEGER NOT NULL,
    merkle_root       BLOB NOT NULL,
    prev_state_root   BLOB NOT NULL,
    new_state_root    BLOB NOT NULL,
    sequence_start    INTEGER NOT NULL,
    sequence_end      INTEGER NOT NULL,
    committed_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS commitments_by_stream_start
    ON commitments (tenant_id, store_id, sequence_start);
CREATE TABLE IF NOT EXISTS agent_keys (
    tenant_id     BLOB NOT NULL,
    agent_id      BLOB NOT NULL,
    key_id        INTEGER NOT NULL,
    public_key    BLOB NOT NULL,
    key_algorithm INTEGER NOT NULL,
    valid_from    TEXT,
    valid_to      TEXT,
    registered_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent_id, key_id)
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash   TEXT PRIMARY KEY,
    tenant_id  BLOB NOT NULL,
    agent_id   BLOB,
    store_ids  TEXT NOT NULL,
    can_read   INTEGER NOT NULL,
    can_write  INTEGER NOT NULL,
    is_admin   INTEGER NOT NULL,
    rate_limit INTEGER,
    created_at TEXT NOT NULL
);
"#;

pub enum Storage {
    File(PathBuf),
    Memory,
}

pub struct Db {
    writer: Mutex<Connection>,
    /// Idle read-only connections (file storage only); more are opened on demand.
    readers: Option<Mutex<Vec<Connection>>>,
    path: Option<PathBuf>,
    /// What `/metrics` shows of the connections (metrics.rs).
    pub stats: PoolStats,
}

/// Connection use, for the pool gauges of `/metrics`: the analogue of the real server's
/// database pool is the one writer connection and the readers opened beside it.
#[derive(Default)]
pub struct PoolStats {
    writer_held: AtomicU64,
    readers_open: AtomicU64,
    readers_in_use: AtomicU64,
    writer_busy_nanos: AtomicU64,
}

/// Connections at one moment, and the writer's busy time so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSnapshot {
    pub active: u64,
    pub total: u64,
    pub writer_busy_nanos: u64,
}

impl PoolStats {
    pub fn snapshot(&self) -> PoolSnapshot {
        PoolSnapshot {
            active: self.writer_held.load(Ordering::Relaxed)
                + self.readers_in_use.load(Ordering::Relaxed),
            total: 1 + self.readers_open.load(Ordering::Relaxed),
            writer_busy_nanos: self.writer_busy_nanos.load(Ordering::Relaxed),
        }
    }

    pub fn add_writer_busy(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.writer_busy_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn writer_use(&self) -> WriterUse<'_> {
        self.writer_held.store(1, Ordering::Relaxed);
        WriterUse {
            stats: self,
            since: Instant::now(),
        }
    }

    fn reader_use(&self) -> ReaderUse<'_> {
        self.readers_in_use.fetch_add(1, Ordering::Relaxed);
        ReaderUse(self)
    }
}

/// The writer connection is held from this guard's creation (after the lock) to its drop.
struct WriterUse<'a> {
    stats: &'a PoolStats,
    since: Instant,
}

impl Drop for WriterUse<'_> {
    fn drop(&mut self) {
        self.stats.add_writer_busy(self.since.elapsed());
        self.stats.writer_held.store(0, Ordering::Relaxed);
    }
}

struct ReaderUse<'a>(&'a PoolStats);

impl Drop for ReaderUse<'_> {
    fn drop(&mut self) {
        self.0.readers_in_use.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Db {
    pub fn open(storage: Storage, sync: SyncMode) -> rusqlite::Result<Db> {
        let (conn, path) = match storage {
            Storage::File(dir) => {
                let path = dir.join(DB_FILE);
                (Connection::open(&path)?, Some(path))
            }
            Storage::Memory => (Connection::open_in_memory()?, None),
        };
        if path.is_some() {
            // WAL lets readers run beside the writer; a commit is durable against a process
            // crash once it is in the WAL file, and against power loss with synchronous=FULL.
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", sync.pragma())?;
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Checkpoint every 64 MiB of WAL instead of 4 MiB: index pages that many batches touch
        // are copied into the database file once, not once per few batches.
        conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(64);
        rusqlite::vtab::array::load_module(&conn)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            writer: Mutex::new(conn),
            readers: path.as_ref().map(|_| Mutex::new(Vec::new())),
            path,
            stats: PoolStats::default(),
        })
    }

    fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(64);
        rusqlite::vtab::array::load_module(&conn)?;
        Ok(conn)
    }

    /// Runs `f` on a connection that sees every committed write.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let (Some(pool), Some(path)) = (&self.readers, &self.path) else {
            // --memory: the one connection serves reads too.
            let conn = self.writer.lock();
            let _use = self.stats.writer_use();
            return f(&conn);
        };
        let idle = pool.lock().pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Self::open_reader(path)?;
                self.stats.readers_open.fetch_add(1, Ordering::Relaxed);
                c
            }
        };
        let in_use = self.stats.reader_use();
        let result = f(&conn);
        drop(in_use);
        pool.lock().push(conn);
        result
    }

    /// Runs `f` in one write transaction, committed only if `f` succeeds.
    pub fn write<T, E: From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.writer.lock();
        let _use = self.stats.writer_use();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Folds the WAL into the database file (at shutdown).
    pub fn checkpoint(&self) -> rusqlite::Result<()> {
        if self.path.is_some() {
            self.writer
                .lock()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    pub fn meta_get(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.read(|c| {
            c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
    }

    pub fn meta_set(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
        })
    }
}

/// UUIDs are stored as their 16 bytes.
pub(crate) fn uuid_col(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<uuid::Uuid> {
    let bytes: Vec<u8> = row.get(idx)?;
    uuid::Uuid::from_slice(&bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Blob, Box::new(e))
    })
}

/// Fixed-size byte columns (hashes, signatures).
pub(crate) fn bytes_col<const N: usize>(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<[u8; N]> {
    let bytes: Vec<u8> = row.get(idx)?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Blob,
            format!("expected {N} bytes, found {}", b.len()).into(),
        )
    })
}

/// SQLite integers are i64; sequence numbers beyond i64::MAX cannot exist.
pub(crate) fn seq_param(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}
