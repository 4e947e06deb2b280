//! k6's own CPU time, from `/proc/<pid>/stat` (a k6 script cannot read `/proc`): utime + stime
//! of the process, sampled while it runs, and its use over a window as cores and as a fraction
//! of the cores this machine gives us.

use std::time::SystemTime;

/// Clock ticks per second of `/proc/<pid>/stat` times: USER_HZ, fixed at 100 in Linux's ABI.
const TICKS_PER_S: f64 = 100.0;

/// utime + stime of a process at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: SystemTime,
    pub cpu_s: f64,
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

/// Reads one sample of process `pid` now (None once it has exited).
pub fn sample(pid: u32) -> Option<Sample> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Sample {
        at: SystemTime::now(),
        cpu_s: cpu_seconds(&text)?,
    })
}

/// Cores used between the first sample at or after `from` and the last one at or before `to`;
/// over all samples when the window holds fewer than two that are 0.5 s apart.
pub fn cores_used(samples: &[Sample], from: SystemTime, to: SystemTime) -> Option<f64> {
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
    Some((b.cpu_s - a.cpu_s).max(0.0) / span(a, b)?)
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
        assert!(s.cpu_s >= 0.0);
    }

    #[test]
    fn cores_over_the_window_only() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let at = |ms: u64, cpu_s: f64| Sample {
            at: t0 + Duration::from_millis(ms),
            cpu_s,
        };
        // Init burns 5 s of CPU, then 1.5 cores for 2 s, then teardown another 5 s.
        let samples = [at(0, 0.0), at(1000, 5.0), at(3000, 8.0), at(4000, 13.0)];
        let used = cores_used(
            &samples,
            t0 + Duration::from_millis(900),
            t0 + Duration::from_millis(3100),
        );
        assert_eq!(used, Some(1.5));
        // Too narrow a window falls back to the whole run.
        let used = cores_used(&samples, t0, t0 + Duration::from_millis(10));
        assert_eq!(used, Some(13.0 / 4.0));
        assert_eq!(cores_used(&samples[..1], t0, t0), None);
    }
}
