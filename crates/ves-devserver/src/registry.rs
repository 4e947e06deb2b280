//! Agent signing keys, cached in memory with their parsed Ed25519 points (the database is the
//! record; the cache saves a lookup and a point decompression per event).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use uuid::Uuid;
use ves_core::sign::VerifyingKey;

use crate::db::keys::AgentKeyRow;
use crate::profile::KeyAlgorithm;

/// A registered key, ready for verification.
#[derive(Debug)]
pub struct AgentKey {
    pub row: AgentKeyRow,
    /// `None` when the 32 bytes are not a curve point, or the algorithm is not a signing one
    /// (X25519, ML-KEM): the real server registers such keys and only refuses the events
    /// signed "with" them, with the same text.
    pub verifying: Option<VerifyingKey>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
}

/// Why a key cannot verify an event now: the text after `agent_key_invalid: `.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    NotFound,
    NotYetValid,
    Expired,
    NotAPoint,
}

impl KeyProblem {
    pub fn message(self) -> &'static str {
        match self {
            KeyProblem::NotFound => "Agent key not found",
            KeyProblem::NotYetValid => "Agent key is not yet valid",
            KeyProblem::Expired => "Agent key has expired",
            KeyProblem::NotAPoint => "signature verification failed: invalid public key format",
        }
    }
}

type KeyId = (Uuid, Uuid, u32);

#[derive(Default)]
pub struct AgentKeys {
    keys: RwLock<HashMap<KeyId, Arc<AgentKey>>>,
}

/// Validity timestamps were checked at registration; stored ones parse.
fn parse_time(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

impl AgentKeys {
    pub fn load(rows: Vec<AgentKeyRow>) -> Self {
        let registry = AgentKeys::default();
        for row in rows {
            registry.insert(row);
        }
        registry
    }

    pub fn insert(&self, row: AgentKeyRow) {
        let key = AgentKey {
            verifying: KeyAlgorithm::from_i32(row.key_algorithm)
                .verifies_ed25519()
                .then(|| VerifyingKey::from_bytes(&row.public_key).ok())
                .flatten(),
            valid_from: parse_time(&row.valid_from),
            valid_to: parse_time(&row.valid_to),
            row,
        };
        let id = (key.row.tenant_id, key.row.agent_id, key.row.key_id);
        self.keys.write().insert(id, Arc::new(key));
    }

    pub fn get(&self, tenant: &Uuid, agent: &Uuid, key_id: u32) -> Option<Arc<AgentKey>> {
        self.keys.read().get(&(*tenant, *agent, key_id)).cloned()
    }

    /// The key that verifies an event of (tenant, agent, key_id) at `now`, as the real
    /// server's lookup does: validity is judged at the server's clock, not at `created_at`.
    pub fn usable(
        &self,
        tenant: &Uuid,
        agent: &Uuid,
        key_id: u32,
        now: DateTime<Utc>,
    ) -> Result<VerifyingKey, KeyProblem> {
        let key = self
            .get(tenant, agent, key_id)
            .ok_or(KeyProblem::NotFound)?;
        if key.valid_from.is_some_and(|from| now < from) {
            return Err(KeyProblem::NotYetValid);
        }
        if key.valid_to.is_some_and(|to| now > to) {
            return Err(KeyProblem::Expired);
        }
        key.verifying.ok_or(KeyProblem::NotAPoint)
    }
}
