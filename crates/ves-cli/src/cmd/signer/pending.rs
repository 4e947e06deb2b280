//! What the signer keeps between signing a batch and checking the sequencer's answer to it
//! (POST /v1/check, docs/SIGNER.md "Checking answers"): per batch, under a handle, the stream,
//! each event's id and signing hash, and how to check signatures; and, for a batch k6 will
//! re-send (REPLAY_RATE), the original answer's receipts until the re-send is checked.
//!
//! Bounded twice: at most `max` batches are held (the oldest is dropped to make room), and a
//! batch is dropped once it is older than `ttl`. A batch leaves as soon as its answer is checked
//! (or its re-send's). A handle that is not held (never issued, already checked, or dropped) is
//! answered 404 `unknown_handle`, and k6 then checks that answer itself, in JavaScript.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ves_core::answer::{Originals, SentBatch};
use ves_core::sign::VerifyingKey;

/// How the answer to a batch is checked.
#[derive(Clone)]
pub struct CheckOptions {
    /// SEQUENCER_PUBLIC_KEY, when given.
    pub sequencer_key: Option<VerifyingKey>,
    /// RECEIPT_SIG_SAMPLE: the share of receipts whose sequencer signature is verified.
    pub signature_sample: f64,
}

pub enum Held {
    /// Signed, its answer not yet checked.
    Signed(SentBatch, CheckOptions),
    /// Checked, kept for the check of its re-send.
    Answered(Originals),
}

struct Entry {
    held: Held,
    since: Instant,
}

pub struct Pending {
    max: usize,
    ttl: Duration,
    next: AtomicU64,
    inner: Mutex<Inner>,
    /// Batches dropped unchecked (beyond `max` or older than `ttl`).
    pub dropped: AtomicU64,
}

#[derive(Default)]
struct Inner {
    held: HashMap<u64, Entry>,
    /// Handles in the order they were (re)inserted; stale pairs are skipped.
    order: VecDeque<(u64, Instant)>,
}

impl Pending {
    pub fn new(max: usize, ttl: Duration) -> Self {
        Pending {
            max: max.max(1),
            ttl,
            next: AtomicU64::new(1),
            inner: Mutex::new(Inner::default()),
            dropped: AtomicU64::new(0),
        }
    }

    /// Holds a batch; returns its handle.
    pub fn insert(&self, held: Held) -> String {
        self.insert_at(held, Instant::now())
    }

    /// Holds `held` under an existing handle (a checked batch kept for its re-send).
    pub fn reinsert(&self, handle: &str, held: Held) {
        self.reinsert_at(handle, held, Instant::now())
    }

    // The clock is a parameter so that the tests of the ttl set the time instead of sleeping
    // (a sleep-based test failed on a loaded machine).
    fn insert_at(&self, held: Held, now: Instant) -> String {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.put(id, held, now);
        id.to_string()
    }

    fn reinsert_at(&self, handle: &str, held: Held, now: Instant) {
        if let Ok(id) = handle.parse::<u64>() {
            self.put(id, held, now);
        }
    }

    fn put(&self, id: u64, held: Held, now: Instant) {
        let mut inner = self.lock();
        inner.held.insert(id, Entry { held, since: now });
        inner.order.push_back((id, now));
        self.expire(&mut inner, now);
    }

    /// Takes the batch out (a handle is checked once).
    #[cfg(test)]
    pub fn take(&self, handle: &str) -> Option<Held> {
        self.take_if(handle, |_| true)
    }

    #[cfg(test)]
    fn take_at(&self, handle: &str, now: Instant) -> Option<Held> {
        self.take_if_at(handle, |_| true, now)
    }

    /// Takes the batch out when `wanted` says it is in the state asked for (a signed batch is
    /// not taken by a re-send's check, nor kept receipts by a first check).
    pub fn take_if(&self, handle: &str, wanted: impl Fn(&Held) -> bool) -> Option<Held> {
        self.take_if_at(handle, wanted, Instant::now())
    }

    fn take_if_at(
        &self,
        handle: &str,
        wanted: impl Fn(&Held) -> bool,
        now: Instant,
    ) -> Option<Held> {
        let id = handle.parse::<u64>().ok()?;
        let mut inner = self.lock();
        self.expire(&mut inner, now);
        if !inner.held.get(&id).is_some_and(|e| wanted(&e.held)) {
            return None;
        }
        inner.held.remove(&id).map(|e| e.held)
    }

    pub fn len(&self) -> usize {
        self.lock().held.len()
    }

    // Drops what is older than the ttl, then the oldest beyond `max`.
    fn expire(&self, inner: &mut Inner, now: Instant) {
        while let Some(&(id, since)) = inner.order.front() {
            let current = inner.held.get(&id).map(|e| e.since);
            if current != Some(since) {
                inner.order.pop_front(); // taken or re-inserted since
                continue;
            }
            let stale = now.saturating_duration_since(since) > self.ttl;
            if !stale && inner.held.len() <= self.max {
                break;
            }
            inner.order.pop_front();
            inner.held.remove(&id);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ves_core::answer::SentBatch;

    fn batch() -> Held {
        Held::Signed(
            SentBatch {
                tenant: uuid::Uuid::nil(),
                store: uuid::Uuid::nil(),
                events: Vec::new(),
            },
            CheckOptions {
                sequencer_key: None,
                signature_sample: 0.0,
            },
        )
    }

    #[test]
    fn a_handle_is_checked_once_and_the_oldest_go_first() {
        let p = Pending::new(2, Duration::from_secs(60));
        let a = p.insert(batch());
        let b = p.insert(batch());
        assert!(p.take(&a).is_some());
        assert!(p.take(&a).is_none(), "taken once");
        let c = p.insert(batch());
        let d = p.insert(batch()); // b, c, d: one too many
        assert_eq!(p.len(), 2);
        assert!(p.take(&b).is_none(), "the oldest was dropped");
        assert_eq!(p.dropped.load(Ordering::Relaxed), 1);
        assert!(p.take(&c).is_some() && p.take(&d).is_some());
        assert!(p.take("not-a-handle").is_none());
    }

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn batches_older_than_the_ttl_are_dropped() {
        let t0 = Instant::now();
        let p = Pending::new(10, 20 * MS);
        let a = p.insert_at(batch(), t0);
        let b = p.insert_at(batch(), t0 + 40 * MS);
        assert!(p.take_at(&a, t0 + 40 * MS).is_none());
        assert!(p.take_at(&b, t0 + 40 * MS).is_some());
        assert_eq!(p.dropped.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_batch_at_its_ttl_is_still_held() {
        let t0 = Instant::now();
        let p = Pending::new(10, 20 * MS);
        let a = p.insert_at(batch(), t0);
        assert!(p.take_at(&a, t0 + 20 * MS).is_some());
    }

    #[test]
    fn a_reinserted_batch_lives_from_its_reinsertion() {
        let t0 = Instant::now();
        let p = Pending::new(10, 50 * MS);
        let a = p.insert_at(batch(), t0);
        let held = p.take_at(&a, t0 + 30 * MS).unwrap();
        p.reinsert_at(&a, held, t0 + 30 * MS);
        assert!(
            p.take_at(&a, t0 + 60 * MS).is_some(),
            "60 ms after insertion, 30 after reinsertion"
        );
    }

    #[test]
    fn a_reinserted_batch_expires_a_ttl_after_its_reinsertion() {
        let t0 = Instant::now();
        let p = Pending::new(10, 50 * MS);
        let a = p.insert_at(batch(), t0);
        let held = p.take_at(&a, t0 + 30 * MS).unwrap();
        p.reinsert_at(&a, held, t0 + 30 * MS);
        assert!(p.take_at(&a, t0 + 81 * MS).is_none());
    }
}
