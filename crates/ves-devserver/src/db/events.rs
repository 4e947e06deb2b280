//! The VES event log: one row per sequenced event, its receipt included.

use std::collections::HashMap;
use std::rc::Rc;

use rusqlite::types::Value;
use rusqlite::{params, Connection, Transaction};
use uuid::Uuid;
use ves_core::hash::Hash;
use ves_core::{EventEnvelope, Receipt};

use super::{bytes_col, seq_param, uuid_col};

/// An event about to be stored, with everything the receipt and later replays need.
pub struct NewEvent<'a> {
    pub env: &'a EventEnvelope,
    pub payload_text: &'a str,
    pub signing_hash: &'a Hash,
    pub fingerprint: &'a Hash,
    pub receipt: &'a Receipt,
    pub sequencer_signature: &'a [u8; 64],
}

/// Inserts the event; `false` when its event_id already exists (a race with another stream).
pub fn insert(tx: &Transaction<'_>, e: &NewEvent<'_>) -> rusqlite::Result<bool> {
    let env = e.env;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (
            event_id, tenant_id, store_id, sequence_number, source_agent_id, agent_key_id,
            entity_type, entity_id, event_type, created_at, payload,
            payload_plain_hash, payload_cipher_hash, event_signing_hash, agent_signature,
            command_id, base_version, content_fingerprint,
            sequencer_id, sequenced_at, receipt_hash, sequencer_signature
        ) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                  ?18, ?19, ?20, ?21, ?22)
        ON CONFLICT (event_id) DO NOTHING",
    )?;
    let changed = stmt.execute(params![
        env.event_id.as_bytes().as_slice(),
        env.tenant_id.as_bytes().as_slice(),
        env.store_id.as_bytes().as_slice(),
        seq_param(e.receipt.sequence_number),
        env.source_agent_id.as_bytes().as_slice(),
        env.agent_key_id,
        env.entity_type,
        env.entity_id,
        env.event_type,
        env.created_at,
        e.payload_text,
        env.payload_plain_hash.as_slice(),
        env.payload_cipher_hash.as_slice(),
        e.signing_hash.as_slice(),
        env.agent_signature.as_slice(),
        env.command_id.as_ref().map(|c| c.as_bytes().as_slice()),
        env.base_version.map(seq_param),
        e.fingerprint.as_slice(),
        e.receipt.sequencer_id.as_bytes().as_slice(),
        e.receipt.sequenced_at,
        e.receipt.receipt_hash.as_slice(),
        e.sequencer_signature.as_slice(),
    ])?;
    Ok(changed == 1)
}

/// An event already in the log, as a replay check needs it.
pub struct Existing {
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub fingerprint: Hash,
    /// The payload as stored: its compact serde_json text (for the replay_spelling fault).
    pub payload: String,
    pub receipt: Receipt,
}

/// The stored events among `ids`, in one query for a whole batch.
pub fn lookup_many(conn: &Connection, ids: &[Uuid]) -> rusqlite::Result<HashMap<Uuid, Existing>> {
    let list: Vec<Value> = ids
        .iter()
        .map(|id| Value::Blob(id.as_bytes().to_vec()))
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, tenant_id, store_id, content_fingerprint, sequencer_id,
                sequence_number, sequenced_at, receipt_hash, sequencer_signature, payload
         FROM events WHERE event_id IN rarray(?1)",
    )?;
    let rows = stmt.query_map([Rc::new(list)], |r| {
        let event_id = uuid_col(r, 0)?;
        let signature: [u8; 64] = bytes_col(r, 8)?;
        Ok((
            event_id,
            Existing {
                tenant_id: uuid_col(r, 1)?,
                store_id: uuid_col(r, 2)?,
                fingerprint: bytes_col(r, 3)?,
                payload: r.get(9)?,
                receipt: Receipt {
                    sequencer_id: uuid_col(r, 4)?,
                    event_id,
                    sequence_number: r.get::<_, i64>(5)? as u64,
                    sequenced_at: r.get(6)?,
                    receipt_hash: bytes_col(r, 7)?,
                    signature_alg: "ed25519".into(),
                    sequencer_signature: hex::encode(signature),
                    sequencer_key_version: 0,
                    receipt_signature_scheme: Some(1),
                },
            },
        ))
    })?;
    rows.collect()
}

/// The stream's highest sequence number (0 for a stream without events).
pub fn head(conn: &Connection, tenant: &Uuid, store: &Uuid) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(MAX(sequence_number), 0) FROM events
         WHERE tenant_id = ?1 AND store_id = ?2",
    )?;
    let head: i64 = stmt.query_row(
        [tenant.as_bytes().as_slice(), store.as_bytes().as_slice()],
        |r| r.get(0),
    )?;
    Ok(head as u64)
}

pub fn command_used(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
    command: &Uuid,
) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM events WHERE tenant_id = ?1 AND store_id = ?2 AND command_id = ?3",
    )?;
    stmt.exists([
        tenant.as_bytes().as_slice(),
        store.as_bytes().as_slice(),
        command.as_bytes().as_slice(),
    ])
}

/// The entity's version: how many of its events were sequenced (the real server's
/// `entity_versions` row counts exactly these).
pub fn entity_version(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
    entity_type: &str,
    entity_id: &str,
) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT COUNT(*) FROM events
         WHERE tenant_id = ?1 AND store_id = ?2 AND entity_type = ?3 AND entity_id = ?4",
    )?;
    let n: i64 = stmt.query_row(
        params![
            tenant.as_bytes().as_slice(),
            store.as_bytes().as_slice(),
            entity_type,
            entity_id
        ],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// What a Merkle leaf is made of.
pub struct LeafSource {
    pub sequence_number: u64,
    pub signing_hash: Hash,
    pub agent_signature: [u8; 64],
}

pub fn leaf_sources(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
    start: u64,
    end: u64,
) -> rusqlite::Result<Vec<LeafSource>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sequence_number, event_signing_hash, agent_signature FROM events
         WHERE tenant_id = ?1 AND store_id = ?2
           AND sequence_number >= ?3 AND sequence_number <= ?4
         ORDER BY sequence_number",
    )?;
    let rows = stmt.query_map(
        params![
            tenant.as_bytes().as_slice(),
            store.as_bytes().as_slice(),
            // Wrapping, as the real server's `start as i64` / `end as i64` binds.
            start as i64,
            end as i64
        ],
        |r| {
            Ok(LeafSource {
                sequence_number: r.get::<_, i64>(0)? as u64,
                signing_hash: bytes_col(r, 1)?,
                agent_signature: bytes_col(r, 2)?,
            })
        },
    )?;
    rows.collect()
}

/// A stored event in the shape the legacy read endpoints serve.
pub struct LegacyRow {
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub store_id: Uuid,
    pub sequence_number: u64,
    pub source_agent_id: Uuid,
    pub entity_type: String,
    pub entity_id: String,
    pub event_type: String,
    pub created_at: String,
    pub payload: String,
    pub command_id: Option<Uuid>,
    pub base_version: Option<u64>,
    pub sequenced_at: String,
}

const LEGACY_COLUMNS: &str = "event_id, tenant_id, store_id, sequence_number, source_agent_id,
    entity_type, entity_id, event_type, created_at, payload, command_id, base_version,
    sequenced_at";

fn legacy_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LegacyRow> {
    let command: Option<Vec<u8>> = r.get(10)?;
    Ok(LegacyRow {
        event_id: uuid_col(r, 0)?,
        tenant_id: uuid_col(r, 1)?,
        store_id: uuid_col(r, 2)?,
        sequence_number: r.get::<_, i64>(3)? as u64,
        source_agent_id: uuid_col(r, 4)?,
        entity_type: r.get(5)?,
        entity_id: r.get(6)?,
        event_type: r.get(7)?,
        created_at: r.get(8)?,
        payload: r.get(9)?,
        command_id: command.and_then(|b| Uuid::from_slice(&b).ok()),
        base_version: r.get::<_, Option<i64>>(11)?.map(|v| v as u64),
        sequenced_at: r.get(12)?,
    })
}

/// Events with sequence numbers in `[from, end]`, ascending.
pub fn range(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
    from: u64,
    end: u64,
) -> rusqlite::Result<Vec<LegacyRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LEGACY_COLUMNS} FROM events
         WHERE tenant_id = ?1 AND store_id = ?2
           AND sequence_number >= ?3 AND sequence_number <= ?4
         ORDER BY sequence_number"
    ))?;
    let rows = stmt.query_map(
        params![
            tenant.as_bytes().as_slice(),
            store.as_bytes().as_slice(),
            seq_param(from),
            seq_param(end)
        ],
        legacy_row,
    )?;
    rows.collect()
}

/// One page of an entity's history (offset-based, as the real endpoint) and its total.
pub fn entity_page(
    conn: &Connection,
    tenant: &Uuid,
    store: &Uuid,
    entity_type: &str,
    entity_id: &str,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<(Vec<LegacyRow>, u64)> {
    let total = entity_version(conn, tenant, store, entity_type, entity_id)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LEGACY_COLUMNS} FROM events
         WHERE tenant_id = ?1 AND store_id = ?2 AND entity_type = ?3 AND entity_id = ?4
         ORDER BY sequence_number LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = stmt.query_map(
        params![
            tenant.as_bytes().as_slice(),
            store.as_bytes().as_slice(),
            entity_type,
            entity_id,
            seq_param(limit),
            seq_param(offset)
        ],
        legacy_row,
    )?;
    Ok((rows.collect::<rusqlite::Result<_>>()?, total))
}
