//! What every handler shares.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use parking_lot::Mutex;
use uuid::Uuid;
use ves_core::MerkleTree;

use crate::auth::{ApiKeys, RateLimiter};
use crate::db::Db;
use crate::faults::Faults;
use crate::identity::Identity;
use crate::metrics::ServerMetrics;
use crate::registry::AgentKeys;
use crate::sequencer::StreamState;

pub struct App {
    pub db: Db,
    pub identity: Identity,
    pub api_keys: ApiKeys,
    pub agent_keys: AgentKeys,
    pub rate_limiter: RateLimiter,
    /// One lock per (tenant, store): ingests into a stream are serialized, as the real
    /// server's `SELECT … FOR UPDATE` on the stream counter does; other streams run in parallel.
    pub streams: LockMap<(Uuid, Uuid), StreamState>,
    /// Commitment creation per stream (the real server's advisory lock).
    pub commit_locks: LockMap<(Uuid, Uuid), ()>,
    pub trees: TreeCache,
    pub faults: Faults,
    /// `GET /metrics` (metrics.rs).
    pub metrics: ServerMetrics,
}

/// A lazily filled map of per-key mutexes.
pub struct LockMap<K, T> {
    locks: Mutex<HashMap<K, Arc<Mutex<T>>>>,
}

impl<K: Eq + Hash + Clone, T: Default> Default for LockMap<K, T> {
    fn default() -> Self {
        LockMap {
            locks: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, T: Default> LockMap<K, T> {
    pub fn get(&self, key: &K) -> Arc<Mutex<T>> {
        self.locks.lock().entry(key.clone()).or_default().clone()
    }
}

/// Merkle trees of recent commitments: a proof for each of a commitment's events then costs
/// one lookup instead of re-reading and re-hashing the whole range. Commitments never change.
#[derive(Default)]
pub struct TreeCache {
    trees: Mutex<HashMap<Uuid, Arc<MerkleTree>>>,
}

const TREE_CACHE_SIZE: usize = 32;

impl TreeCache {
    pub fn get(&self, batch_id: &Uuid) -> Option<Arc<MerkleTree>> {
        self.trees.lock().get(batch_id).cloned()
    }

    pub fn put(&self, batch_id: Uuid, tree: Arc<MerkleTree>) {
        let mut trees = self.trees.lock();
        if trees.len() >= TREE_CACHE_SIZE {
            trees.clear();
        }
        trees.insert(batch_id, tree);
    }
}
