//! Agent signing keys and API keys. API keys are stored as the hex SHA-256 of the key, never
//! the key itself (as on the real server).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use super::{bytes_col, uuid_col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentKeyRow {
    pub tenant_id: Uuid,
    pub agent_id: Uuid,
    pub key_id: u32,
    pub public_key: [u8; 32],
    /// As sent (`i32`, echoed in the answer); see `profile::KeyAlgorithm`.
    pub key_algorithm: i32,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

fn agent_key(r: &rusqlite::Row<'_>) -> rusqlite::Result<AgentKeyRow> {
    Ok(AgentKeyRow {
        tenant_id: uuid_col(r, 0)?,
        agent_id: uuid_col(r, 1)?,
        key_id: r.get(2)?,
        public_key: bytes_col(r, 3)?,
        key_algorithm: r.get(4)?,
        valid_from: r.get(5)?,
        valid_to: r.get(6)?,
    })
}

const AGENT_KEY_COLUMNS: &str =
    "tenant_id, agent_id, key_id, public_key, key_algorithm, valid_from, valid_to";

pub fn get_agent_key(
    conn: &Connection,
    tenant: &Uuid,
    agent: &Uuid,
    key_id: u32,
) -> rusqlite::Result<Option<AgentKeyRow>> {
    conn.prepare_cached(&format!(
        "SELECT {AGENT_KEY_COLUMNS} FROM agent_keys
         WHERE tenant_id = ?1 AND agent_id = ?2 AND key_id = ?3"
    ))?
    .query_row(
        params![
            tenant.as_bytes().as_slice(),
            agent.as_bytes().as_slice(),
            key_id
        ],
        agent_key,
    )
    .optional()
}

pub fn insert_agent_key(tx: &Transaction<'_>, k: &AgentKeyRow, now: &str) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO agent_keys ({AGENT_KEY_COLUMNS}, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ),
        params![
            k.tenant_id.as_bytes().as_slice(),
            k.agent_id.as_bytes().as_slice(),
            k.key_id,
            k.public_key.as_slice(),
            k.key_algorithm,
            k.valid_from,
            k.valid_to,
            now
        ],
    )
    .map(|_| ())
}

pub fn all_agent_keys(conn: &Connection) -> rusqlite::Result<Vec<AgentKeyRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {AGENT_KEY_COLUMNS} FROM agent_keys"))?;
    let rows = stmt.query_map([], agent_key)?;
    rows.collect()
}

/// The tenant under which an agent's first signing key was registered.
pub fn tenant_of_agent_keys(conn: &Connection, agent: &Uuid) -> rusqlite::Result<Option<Uuid>> {
    conn.query_row(
        "SELECT tenant_id FROM agent_keys WHERE agent_id = ?1 ORDER BY registered_at LIMIT 1",
        [agent.as_bytes().as_slice()],
        |r| uuid_col(r, 0),
    )
    .optional()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub key_hash: String,
    pub tenant_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub store_ids: Vec<Uuid>,
    pub read: bool,
    pub write: bool,
    pub admin: bool,
    pub rate_limit: Option<u32>,
}

pub fn insert_api_key(tx: &Transaction<'_>, k: &ApiKeyRow, now: &str) -> rusqlite::Result<()> {
    let stores = serde_json::to_string(&k.store_ids).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO api_keys (key_hash, tenant_id, agent_id, store_ids, can_read, can_write,
                               is_admin, rate_limit, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            k.key_hash,
            k.tenant_id.as_bytes().as_slice(),
            k.agent_id.as_ref().map(|a| a.as_bytes().as_slice()),
            stores,
            k.read,
            k.write,
            k.admin,
            k.rate_limit,
            now
        ],
    )
    .map(|_| ())
}

pub fn all_api_keys(conn: &Connection) -> rusqlite::Result<Vec<ApiKeyRow>> {
    let mut stmt = conn.prepare(
        "SELECT key_hash, tenant_id, agent_id, store_ids, can_read, can_write, is_admin,
                rate_limit
         FROM api_keys",
    )?;
    let rows = stmt.query_map([], |r| {
        let agent: Option<Vec<u8>> = r.get(2)?;
        let stores: String = r.get(3)?;
        Ok(ApiKeyRow {
            key_hash: r.get(0)?,
            tenant_id: uuid_col(r, 1)?,
            agent_id: agent.and_then(|b| Uuid::from_slice(&b).ok()),
            store_ids: serde_json::from_str(&stores).unwrap_or_default(),
            read: r.get(4)?,
            write: r.get(5)?,
            admin: r.get(6)?,
            rate_limit: r.get(7)?,
        })
    })?;
    rows.collect()
}
