//! The stages of a search: offered rates from a start, a step or a factor, and a cap; the
//! refinement between the last passing and the first failing rate; the expected duration.

use anyhow::{bail, Result};

/// How the offered rate grows from one stage to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// rate + step events/s
    Step(u64),
    /// rate × factor
    Factor(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub start: u64,
    pub growth: Growth,
    pub max_rate: u64,
    pub stage_seconds: u64,
}

impl Plan {
    pub fn new(start: u64, growth: Growth, max_rate: u64, stage_seconds: u64) -> Result<Self> {
        if start == 0 || stage_seconds == 0 {
            bail!("--start and --stage-seconds must be at least 1");
        }
        if max_rate < start {
            bail!("--max-rate {max_rate} is below --start {start}: no stage to run");
        }
        match growth {
            Growth::Step(0) => bail!("--step must be at least 1 event/s"),
            Growth::Factor(f) if !(f > 1.0 && f.is_finite()) => {
                bail!("--factor must be a number above 1, found {f}")
            }
            _ => {}
        }
        Ok(Plan {
            start,
            growth,
            max_rate,
            stage_seconds,
        })
    }

    /// Every rate of the search from start to the cap (the search may stop earlier).
    pub fn rates(&self) -> Vec<u64> {
        let mut out = vec![self.start];
        loop {
            let last = *out.last().unwrap_or(&self.start);
            let next = match self.growth {
                Growth::Step(s) => last.saturating_add(s),
                Growth::Factor(f) => ((last as f64) * f).round().max(last as f64 + 1.0) as u64,
            };
            if next > self.max_rate {
                return out;
            }
            out.push(next);
        }
    }

    /// The most wall time the search can take: every stage plus k6's start and graceful stop.
    pub fn expected_seconds(&self, refinements: u32) -> u64 {
        let stages = self.rates().len() as u64 + u64::from(refinements);
        stages * (self.stage_seconds + STAGE_OVERHEAD_S)
    }
}

/// k6 start (init, setup) and its graceful stop, per stage, as measured on a 2-core machine.
pub const STAGE_OVERHEAD_S: u64 = 4;

/// The rate between a passing and a failing one, if there is one left to try.
pub fn midpoint(pass: u64, fail: u64) -> Option<u64> {
    let mid = pass + (fail.saturating_sub(pass)) / 2;
    (mid > pass && mid < fail).then_some(mid)
}

/// Runs the stages: the plan's rates until `stop_after` stages fail in a row, then up to
/// `refine` bisections between the highest pass below the lowest fail and that fail. `stage`
/// runs one stage (rate, is_refinement) and says whether it passed.
pub fn search(
    rates: &[u64],
    stop_after: u32,
    refine: u32,
    mut stage: impl FnMut(u64, bool) -> Result<bool>,
) -> Result<()> {
    let mut results: Vec<(u64, bool)> = Vec::new();
    let mut in_row = 0;
    for &rate in rates {
        let passed = stage(rate, false)?;
        results.push((rate, passed));
        in_row = if passed { 0 } else { in_row + 1 };
        if in_row >= stop_after {
            break;
        }
    }
    for _ in 0..refine {
        let first_fail = results.iter().filter(|r| !r.1).map(|r| r.0).min();
        let last_pass = results
            .iter()
            .filter(|r| r.1 && first_fail.map_or(true, |f| r.0 < f))
            .map(|r| r.0)
            .max();
        let Some(mid) = last_pass.zip(first_fail).and_then(|(p, f)| midpoint(p, f)) else {
            break;
        };
        let passed = stage(mid, true)?;
        results.push((mid, passed));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        rates: &[u64],
        stop_after: u32,
        refine: u32,
        pass: impl Fn(u64) -> bool,
    ) -> Vec<(u64, bool)> {
        let mut ran = Vec::new();
        search(rates, stop_after, refine, |r, refinement| {
            ran.push((r, refinement));
            Ok(pass(r))
        })
        .unwrap();
        ran
    }

    #[test]
    fn stops_after_the_first_failure_or_n_in_a_row() {
        let rates = [100, 200, 300, 400, 500];
        let ran = run(&rates, 1, 0, |r| r <= 250);
        assert_eq!(ran, [(100, false), (200, false), (300, false)]);
        // Noise: 300 fails, 400 passes, 500 fails: two in a row never happen, all run.
        let ran = run(&rates, 2, 0, |r| r != 300 && r != 500);
        assert_eq!(ran.len(), 5);
        let ran = run(&rates, 2, 0, |r| r <= 250);
        assert_eq!(
            ran.iter().map(|r| r.0).collect::<Vec<_>>(),
            [100, 200, 300, 400]
        );
    }

    #[test]
    fn refines_by_bisection_between_last_pass_and_first_fail() {
        let ran = run(&[1000, 2000, 3000], 1, 3, |r| r <= 2600);
        assert_eq!(
            ran,
            [
                (1000, false),
                (2000, false),
                (3000, false),
                (2500, true),
                (2750, true),
                (2625, true)
            ]
        );
        // Nothing passed: nothing to refine.
        assert_eq!(run(&[1000, 2000], 1, 3, |_| false), [(1000, false)]);
        // Everything passed: nothing to refine either.
        assert_eq!(run(&[1000, 2000], 1, 3, |_| true).len(), 2);
    }

    #[test]
    fn step_and_factor_stop_at_the_cap() {
        let p = Plan::new(1000, Growth::Step(1000), 4500, 10).unwrap();
        assert_eq!(p.rates(), [1000, 2000, 3000, 4000]);
        assert_eq!(p.expected_seconds(0), 4 * 14);
        assert_eq!(p.expected_seconds(2), 6 * 14);
        let p = Plan::new(100, Growth::Factor(2.0), 1000, 5).unwrap();
        assert_eq!(p.rates(), [100, 200, 400, 800]);
        // A factor that rounds to the same rate still moves on.
        let p = Plan::new(1, Growth::Factor(1.1), 4, 5).unwrap();
        assert_eq!(p.rates(), [1, 2, 3, 4]);
    }

    #[test]
    fn bad_plans_are_explained() {
        assert!(Plan::new(0, Growth::Step(1), 10, 1).is_err());
        assert!(Plan::new(10, Growth::Step(0), 10, 1).is_err());
        assert!(Plan::new(10, Growth::Factor(1.0), 10, 1).is_err());
        assert!(Plan::new(10, Growth::Factor(f64::NAN), 10, 1).is_err());
        let e = Plan::new(100, Growth::Step(1), 10, 1).unwrap_err();
        assert!(e.to_string().contains("below --start"), "{e}");
    }

    #[test]
    fn midpoints_end_when_the_gap_closes() {
        assert_eq!(midpoint(2000, 3000), Some(2500));
        assert_eq!(midpoint(10, 12), Some(11));
        assert_eq!(midpoint(10, 11), None);
    }
}
