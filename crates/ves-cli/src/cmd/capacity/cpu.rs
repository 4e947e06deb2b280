//! k6's own CPU, from `/proc` (a k6 script cannot read it): utime + stime of the process
//! (`/proc/<pid>/stat`), the time its threads waited for a CPU while runnable (the second field
//! of `/proc/<pid>/task/<tid>/schedstat`, summed), both sampled while it runs, and the cores it
//! may run on (`Cpus_allowed_list` of `/proc/<pid>/status`: its CPU affinity, e.g. `taskset`).
//! Used plus waited is what k6 asked for: a k6 starved of CPU on a busy machine uses little but
//! waits a lot.

use std::time::SystemTime;

/// Clock ticks per second of `/proc/<pid>/stat` times: USER_HZ, fixed at 100 in Linux's ABI.
const TICKS_PER_S: f64 = 100.0;

/// utime + stime of a process at one moment, and the time its threads waited for a CPU.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: SystemTime,
    pub cpu_s: f64,
    pub wait_s: f64,
}

/// utime + stime in seconds from the text of `/proc/<pid>/stat`, or None when it does not parse.
pub fn cpu_seconds(stat: &str) -> Option<f64> {
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / TICKS_PER_S)
}

/// Seconds a task waited on a run queue, from the text of its `schedstat` (ns: on CPU, waiting,
/// timeslices).
pub fn wait_seconds(schedstat: &str) -> Option<f64> {
    let ns: u64 = schedstat.split_whitespace().nth(1)?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Run-queue wait of every thread of process `pid` (threads that exited are not counted).
fn process_wait_seconds(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|text| wait_seconds(&text))
        .sum()
}

/// Reads one sample of process `pid` now (None once it has exited).
pub fn sample(pid: u32) -> Option<Sample> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Sample {
        at: SystemTime::now(),
        cpu_s: cpu_seconds(&text)?,
        wait_s: process_wait_seconds(pid),
    })
}

/// The number of CPUs in a `Cpus_allowed_list` (`0-3,6` is 5).
pub fn count_cpu_list(list: &str) -> Option<usize> {
    let mut n = 0;
    for part in list.trim().split(',').filter(|p| !p.is_empty()) {
        n += match part.split_once('-') {
            Some((a, b)) => b.trim().parse::<usize>().ok()? + 1 - a.trim().parse::<usize>().ok()?,
            None => {
                part.trim().parse::<usize>().ok()?;
                1
            }
        };
    }
    (n > 0).then_some(n)
}

/// The cores process `pid` may run on: its CPU affinity (None when `/proc` does not say).
pub fn cores_allowed(pid: u32) -> Option<usize> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    count_cpu_list(line)
}

/// k6's CPU over a stage's window, in cores: used (utime + stime) and waited for (run queue).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    pub used: f64,
    pub waited: f64,
}

/// Cores used and waited for between the first sample at or after `from` and the last one at
/// or before `to`; over all samples when the window holds fewer than two 0.5 s apart.
pub fn cpu_use(samples: &[Sample], from: SystemTime, to: SystemTime) -> Option<CpuUse> {
    let (a, b, secs) = window(samples, from, to)?;
    Some(CpuUse {
        used: (b.cpu_s - a.cpu_s).max(0.0) / secs,
        waited: (b.wait_s - a.wait_s).max(0.0) / secs,
    })
}

fn window(samples: &[Sample], from: SystemTime, to: SystemTime) -> Option<(&Sample, &Sample, f64)> {
    let inside: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= from && s.at <= to)
        .collect();
    let span = |a: &Sample, b: &Sample| b.at.duration_since(a.at).ok().map(|d| d.as_secs_f64());
    let pick = match (inside.first(), inside.last()) {
        (Some(a), Some(b)) if span(a, b).is_some_and(|s| s >= 0.5) => Some((*a, *b)),
        _ => match (samples.first(), samples.last()) {
            (Some(a), Some(b)) if span(a, b).is_some_and(|s| s > 0.0) => Some((a, b)),
            _ => None,
        },
    };
    let (a, b) = pick?;
    Some((a, b, span(a, b)?))
}

/// The cores this process may run on (affinity and cgroup limits included).
pub fn cores_available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn parses_utime_and_stime_after_a_name_with_spaces() {
        let stat = "4242 (k6 (x) y) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0";
        assert_eq!(cpu_seconds(stat), Some(3.0));
        assert_eq!(cpu_seconds("4242 (k6) S 1 2"), None);
        assert_eq!(cpu_seconds("garbage"), None);
    }

    #[test]
    fn reads_this_process() {
        let s = sample(std::process::id()).expect("/proc/self is readable");
        assert!(s.cpu_s >= 0.0 && s.wait_s >= 0.0);
        let allowed = cores_allowed(std::process::id()).expect("Cpus_allowed_list");
        assert!((1..=4096).contains(&allowed));
    }

    #[test]
    fn parses_schedstat_and_cpu_lists() {
        assert_eq!(wait_seconds("1000 2500000000 7"), Some(2.5));
        assert_eq!(wait_seconds("1000"), None);
        assert_eq!(count_cpu_list("0-1"), Some(2));
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("0-3,6,8-9\n"), Some(7));
        assert_eq!(count_cpu_list(""), None);
        assert_eq!(count_cpu_list("x"), None);
    }

    #[test]
    fn cores_over_the_window_only() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let at = |ms: u64, cpu_s: f64| Sample {
            at: t0 + Duration::from_millis(ms),
            cpu_s,
            wait_s: cpu_s / 2.0,
        };
        // Init burns 5 s of CPU, then 1.5 cores for 2 s, then teardown another 5 s.
        let samples = [at(0, 0.0), at(1000, 5.0), at(3000, 8.0), at(4000, 13.0)];
        let both = cpu_use(
            &samples,
            t0 + Duration::from_millis(900),
            t0 + Duration::from_millis(3100),
        );
        assert_eq!(
            both,
            Some(CpuUse {
                used: 1.5,
                waited: 0.75
            })
        );
        // Too narrow a window falls back to the whole run.
        let used = cpu_use(&samples, t0, t0 + Duration::from_millis(10)).map(|c| c.used);
        assert_eq!(used, Some(13.0 / 4.0));
        assert_eq!(cpu_use(&samples[..1], t0, t0), None);
    }
}
