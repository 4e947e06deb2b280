//! VES commitments, stored as `ves_core::Commitment` (hashes as bytes).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;
use ves_core::Commitment;

use super::{bytes_col, seq_param, uuid_col};

const COLUMNS: &str = "batch_id, tenant_id, store_id, tree_depth, leaf_count, padded_leaf_count,
    merkle_root, prev_state_root, new_state_root, sequence_start, sequence_end, committed_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Commitment> {
    Ok(Commitment {
        batch_id: uuid_col(r, 0)?,
        tenant_id: uuid_col(r, 1)?,
        store_id: uuid_col(r, 2)?,
        ves_version: 1,
        tree_depth: r.get(3)?,
        leaf_count: r.get::<_, i64>(4)? as u64,
        padded_leaf_count: r.get::<_, i64>(5)? as u64,
        merkle_root: bytes_col(r, 6)?,
        prev_state_root: bytes_col(r, 7)?,
        new_state_root: bytes_col(r, 8)?,
        sequence_start: r.get::<_, i64>(9)? as u64,
        sequence_end: r.get::<_, i64>(10)? as u64,
        committed_at: r.get(11)?,
    })
}

pub fn insert(tx: &Transaction<'_>, c: &Commitment) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO commitments ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        c.batch_id.as_bytes().as_slice(),
        c.tenant_id.as_bytes().as_slice(),
        c.store_id.as_bytes().as_slice(),
        c.tree_depth,
        seq_param(c.leaf_count),
        seq_param(c.padded_leaf_count),
        c.merkle_root.as_slice(),
        c.prev_state_root.as_slice(),
        c.new_state_root.as_slice(),
        seq_param(c.sequence_start),
        seq_param(c.sequence_end),
        c.committed_at,
    ])
    .map(|_| ())
}

pub fn get(conn: &Connection, batch_id: &Uuid) -> rusqlite::Result<Option<Commitment>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM commitments WHERE batch_id = ?1"
    ))?
    .query_row([batch_id.as_bytes().as_slice()], row)
    .optional()
}

/// The stream's commitment that starts at `start`, if any.
pub fn starting_at(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
    start: u64,
) -> rusqlite::Result<Option<Commitment>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM commitments
         WHERE tenant_id = ?1 AND store_id = ?2 AND sequence_start = ?3"
    ))?
    .query_row(
        params![
            tenant.as_bytes().as_slice(),
            store.as_bytes().as_slice(),
            seq_param(start)
        ],
        row,
    )
    .optional()
}

/// The stream's latest commitment.
pub fn last(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
) -> rusqlite::Result<Option<Commitment>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM commitments WHERE tenant_id = ?1 AND store_id = ?2
         ORDER BY sequence_end DESC LIMIT 1"
    ))?
    .query_row(
        [tenant.as_bytes().as_slice(), store.as_bytes().as_slice()],
        row,
    )
    .optional()
}

/// All of the stream's commitments, oldest first (none is ever anchored here).
pub fn list(conn: &Connection, tenant: &Uuid, store: &Uuid) -> rusqlite::Result<Vec<Commitment>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM commitments WHERE tenant_id = ?1 AND store_id = ?2
         ORDER BY sequence_start"
    ))?;
    let rows = stmt.query_map(
        [tenant.as_bytes().as_slice(), store.as_bytes().as_slice()],
        row,
    )?;
    rows.collect()
}
