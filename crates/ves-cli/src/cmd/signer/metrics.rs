//! The signer's own throughput and CPU: counters, `GET /metrics` (Prometheus text format) and a
//! periodic log line. CPU is the whole process's user + system time (getrusage), so that a
//! benchmark can charge the signer's share per event.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub events: AtomicU64,
    pub hashes: AtomicU64,
    pub refused: AtomicU64,
    /// Answers checked (POST /v1/check), their receipts and the failures found.
    pub answers: AtomicU64,
    pub receipts: AtomicU64,
    pub failures: AtomicU64,
    pub unknown_handles: AtomicU64,
}

pub struct Metrics {
    pub counters: Counters,
    started: Instant,
}

/// A point-in-time reading.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    pub uptime_s: f64,
    pub cpu_s: f64,
    pub batches: u64,
    pub events: u64,
    pub hashes: u64,
    pub refused: u64,
    pub answers: u64,
    pub receipts: u64,
    pub failures: u64,
    pub unknown_handles: u64,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            counters: Counters::default(),
            started: Instant::now(),
        }
    }

    pub fn signed(&self, events: usize) {
        self.counters.batches.fetch_add(1, Ordering::Relaxed);
        self.counters
            .events
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    /// Counts one checked answer.
    pub fn checked(&self, v: &ves_core::answer::Verdict) {
        let c = &self.counters;
        c.answers.fetch_add(1, Ordering::Relaxed);
        c.receipts.fetch_add(v.receipts_checked, Ordering::Relaxed);
        c.failures.fetch_add(v.failures_total, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Snapshot {
        let c = &self.counters;
        Snapshot {
            uptime_s: self.started.elapsed().as_secs_f64(),
            cpu_s: process_cpu_seconds(),
            batches: c.batches.load(Ordering::Relaxed),
            events: c.events.load(Ordering::Relaxed),
            hashes: c.hashes.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            answers: c.answers.load(Ordering::Relaxed),
            receipts: c.receipts.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            unknown_handles: c.unknown_handles.load(Ordering::Relaxed),
        }
    }

    /// Prometheus text exposition format.
    pub fn render(&self, keys: usize, pending: usize, dropped: u64) -> String {
        let s = self.snapshot();
        let per_event = if s.events > 0 {
            s.cpu_s * 1e6 / s.events as f64
        } else {
            0.0
        };
        format!(
            "# HELP ves_signer_events_signed_total Events signed into ingest bodies.\n\
             # TYPE ves_signer_events_signed_total counter\n\
             ves_signer_events_signed_total {}\n\
             # HELP ves_signer_batches_total Batches signed (POST /v1/batches answered 200).\n\
             # TYPE ves_signer_batches_total counter\n\
             ves_signer_batches_total {}\n\
             # HELP ves_signer_hashes_signed_total Bare hashes signed (POST /v1/sign-hashes).\n\
             # TYPE ves_signer_hashes_signed_total counter\n\
             ves_signer_hashes_signed_total {}\n\
             # HELP ves_signer_requests_refused_total Requests answered with an error status.\n\
             # TYPE ves_signer_requests_refused_total counter\n\
             ves_signer_requests_refused_total {}\n\
             # HELP ves_signer_answers_checked_total Sequencer answers checked (POST /v1/check).\n\
             # TYPE ves_signer_answers_checked_total counter\n\
             ves_signer_answers_checked_total {}\n\
             # HELP ves_signer_receipts_checked_total Receipts checked in those answers.\n\
             # TYPE ves_signer_receipts_checked_total counter\n\
             ves_signer_receipts_checked_total {}\n\
             # HELP ves_signer_check_failures_total Failures found in those answers.\n\
             # TYPE ves_signer_check_failures_total counter\n\
             ves_signer_check_failures_total {}\n\
             # HELP ves_signer_unknown_handles_total Checks of a batch the signer did not hold (answered 404).\n\
             # TYPE ves_signer_unknown_handles_total counter\n\
             ves_signer_unknown_handles_total {}\n\
             # HELP ves_signer_pending_batches Batches held for the check of their answers.\n\
             # TYPE ves_signer_pending_batches gauge\n\
             ves_signer_pending_batches {pending}\n\
             # HELP ves_signer_pending_dropped_total Batches dropped unchecked (--check-batches, --check-ttl).\n\
             # TYPE ves_signer_pending_dropped_total counter\n\
             ves_signer_pending_dropped_total {dropped}\n\
             # HELP ves_signer_keys Keys held.\n\
             # TYPE ves_signer_keys gauge\n\
             ves_signer_keys {keys}\n\
             # HELP ves_signer_cpu_seconds_total User + system CPU of the signer process.\n\
             # TYPE ves_signer_cpu_seconds_total counter\n\
             ves_signer_cpu_seconds_total {:.6}\n\
             # HELP ves_signer_cpu_us_per_event Process CPU divided by events signed since start.\n\
             # TYPE ves_signer_cpu_us_per_event gauge\n\
             ves_signer_cpu_us_per_event {per_event:.3}\n\
             # HELP ves_signer_uptime_seconds Seconds since start.\n\
             # TYPE ves_signer_uptime_seconds gauge\n\
             ves_signer_uptime_seconds {:.3}\n",
            s.events,
            s.batches,
            s.hashes,
            s.refused,
            s.answers,
            s.receipts,
            s.failures,
            s.unknown_handles,
            s.cpu_s,
            s.uptime_s
        )
    }
}

/// One log line for the interval between two readings, or None when nothing was signed.
pub fn interval_line(before: &Snapshot, after: &Snapshot) -> Option<String> {
    let events = after.events - before.events;
    let answers = after.answers - before.answers;
    if events == 0 && after.hashes == before.hashes && answers == 0 {
        return None;
    }
    let secs = (after.uptime_s - before.uptime_s).max(1e-9);
    let cpu = after.cpu_s - before.cpu_s;
    Some(format!(
        "ves signer: {secs:.1} s: {events} events in {} batches ({:.0} events/s), {} hashes, {answers} answers checked ({} receipts, {} failures), CPU {cpu:.2} s ({:.1} us/event), {} refused",
        after.batches - before.batches,
        events as f64 / secs,
        after.hashes - before.hashes,
        after.receipts - before.receipts,
        after.failures - before.failures,
        if events > 0 { cpu * 1e6 / events as f64 } else { 0.0 },
        after.refused - before.refused,
    ))
}

/// Logs one line every `every` while events are signed.
pub async fn log_every(app: std::sync::Arc<super::routes::App>, every: Duration) {
    let metrics = &app.metrics;
    let mut last = metrics.snapshot();
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = metrics.snapshot();
        if let Some(line) = interval_line(&last, &now) {
            eprintln!("{line}");
        }
        last = now;
    }
}

/// User + system CPU seconds of this process.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let a = process_cpu_seconds();
        let mut x = 0u64;
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(50) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        assert!(process_cpu_seconds() > a);
    }

    #[test]
    fn render_reports_counts() {
        let m = Metrics::new();
        m.signed(100);
        let text = m.render(1, 0, 0);
        assert!(
            text.contains("ves_signer_events_signed_total 100\n"),
            "{text}"
        );
        assert!(text.contains("ves_signer_batches_total 1\n"), "{text}");
        assert!(text.contains("ves_signer_keys 1\n"), "{text}");
    }

    #[test]
    fn quiet_intervals_log_nothing() {
        let a = Snapshot::default();
        assert!(interval_line(&a, &a).is_none());
        let b = Snapshot {
            uptime_s: 10.0,
            cpu_s: 0.5,
            events: 1000,
            batches: 10,
            ..a
        };
        let line = interval_line(&a, &b).unwrap();
        assert!(
            line.contains("1000 events in 10 batches (100 events/s)"),
            "{line}"
        );
        assert!(line.contains("500.0 us/event"), "{line}");
    }
}
