//! A progress line for long runs of `ves presign`: a bar on a terminal, and otherwise (CI logs) a
//! plain line after 2 s and then every 10 s, both on stderr. Short runs (under 2 s) print nothing.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts work done by many threads; `watch` reports it until `finish`.
pub struct Progress {
    pub done: AtomicU64,
    total: u64,
    finished: AtomicBool,
}

impl Progress {
    pub fn new(total: u64) -> Self {
        Progress {
            done: AtomicU64::new(0),
            total,
            finished: AtomicBool::new(false),
        }
    }

    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    pub fn finish(&self) {
        self.finished.store(true, Ordering::Relaxed);
    }

    /// Reports until `finish` (run it on its own thread).
    pub fn watch(&self, what: &str) {
        let started = Instant::now();
        let terminal = std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{what} {{bar:30}} {{pos}}/{{len}} ({{per_sec}}, eta {{eta}})"
        )) {
            bar.set_style(style);
        }
        let mut last_line: Option<Instant> = None;
        while !self.finished.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            if started.elapsed() < Duration::from_secs(2) {
                continue;
            }
            let done = self.done.load(Ordering::Relaxed);
            if terminal {
                if bar.is_hidden() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.set_position(done);
            } else if last_line.map_or(true, |t| t.elapsed() >= Duration::from_secs(10)) {
                last_line = Some(Instant::now());
                let secs = started.elapsed().as_secs_f64();
                let rate = done as f64 / secs;
                let eta = (self.total.saturating_sub(done)) as f64 / rate.max(1.0);
                eprintln!(
                    "{what}: {done}/{} ({:.0}%), {rate:.0}/s, about {eta:.0} s left",
                    self.total,
                    100.0 * done as f64 / self.total.max(1) as f64
                );
            }
        }
        bar.finish_and_clear();
    }
}
