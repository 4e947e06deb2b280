//! The `capacity` profile: the search's settings from the `ves.capacity` block of a profile file
//! (load/profiles/capacity.json by default), shaped like the scenarios' profiles (a `ves` block
//! k6 ignores). A flag given on the command line wins over the profile; the profile wins over the
//! built-in defaults.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::plan::Growth;

/// The profile used when neither --profile nor CAPACITY_PROFILE is given.
pub const DEFAULT_PROFILE: &str = "capacity";

/// Every setting a profile may give; each one mirrors the flag of the same name.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityProfile {
    pub start: Option<u64>,
    pub step: Option<u64>,
    pub factor: Option<f64>,
    pub max_rate: Option<u64>,
    pub stage_seconds: Option<u64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub min_achieved: Option<f64>,
    pub stop_after_fails: Option<u32>,
    pub refine: Option<u32>,
    pub vus: Option<u64>,
    pub max_vus: Option<u64>,
    pub generator_cpu: Option<f64>,
}

/// A profile read from its file (`path` is None for `none`).
#[derive(Debug, Default)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub settings: CapacityProfile,
}

#[derive(Deserialize)]
struct File {
    ves: Option<VesBlock>,
}

#[derive(Deserialize)]
struct VesBlock {
    capacity: Option<CapacityProfile>,
}

/// Reads the profile `name` (a shipped name, looked up in `profiles/` beside the scenario as the
/// k6 scripts do; `none` for none; anything else a file path).
pub fn load(name: &str, script: &Path) -> Result<Loaded> {
    let name = name.trim();
    if name == "none" {
        return Ok(Loaded::default());
    }
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    let path = if is_name {
        script
            .parent()
            .unwrap_or(Path::new("."))
            .join("profiles")
            .join(format!("{name}.json"))
    } else {
        PathBuf::from(name)
    };
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "profile {name}: cannot read {} (a shipped name is looked up in load/profiles/, anything else is a file path; --profile none uses the built-in defaults)",
            path.display()
        )
    })?;
    let settings = parse(&text).with_context(|| format!("profile {}", path.display()))?;
    Ok(Loaded {
        path: Some(path),
        settings,
    })
}

/// The `ves.capacity` block of a profile file's text.
pub fn parse(text: &str) -> Result<CapacityProfile> {
    let file: File = serde_json::from_str(text)
        .context("not a profile file (a JSON object with a `ves.capacity` block)")?;
    let Some(settings) = file.ves.and_then(|v| v.capacity) else {
        bail!(
            "no `ves.capacity` block: this profile is for the k6 scenarios, not for `ves capacity`"
        );
    };
    if settings.step.is_some() && settings.factor.is_some() {
        bail!("`step` and `factor` both set: the rate grows by one or the other");
    }
    Ok(settings)
}

/// The built-in defaults, for a setting neither a flag nor the profile gives.
const DEFAULTS: CapacityProfile = CapacityProfile {
    start: Some(1000),
    step: Some(1000),
    factor: None,
    max_rate: Some(20_000),
    stage_seconds: Some(10),
    p50_ms: Some(20.0),
    p95_ms: Some(50.0),
    p99_ms: Some(100.0),
    min_achieved: Some(0.95),
    stop_after_fails: Some(1),
    refine: Some(0),
    vus: Some(20),
    max_vus: None,
    generator_cpu: Some(0.9),
};

/// The search's settings once flags, profile and defaults are merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub start: u64,
    pub growth: Growth,
    /// The cap asked for on the command line: the only one that counts off this machine.
    pub max_rate: Option<u64>,
    /// The cap on a loopback target when --max-rate is not given (profile, else 20000).
    pub loopback_max_rate: u64,
    pub stage_seconds: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub min_achieved: f64,
    pub stop_after_fails: u32,
    pub refine: u32,
    pub vus: u64,
    pub max_vus: Option<u64>,
    pub generator_cpu: f64,
}

/// Flags over profile over defaults. `--step` or `--factor` on the command line replaces the
/// profile's growth whichever of the two it set; a profile's `max_rate` caps only a loopback
/// target, so that a shared file never decides how hard a remote sequencer is pushed.
pub fn resolve(flags: &CapacityProfile, profile: &CapacityProfile) -> Settings {
    let d = &DEFAULTS;
    macro_rules! pick {
        ($f:ident) => {
            flags.$f.or(profile.$f).or(d.$f).unwrap_or_default()
        };
    }
    let growth = if let Some(f) = flags.factor {
        Growth::Factor(f)
    } else if let Some(s) = flags.step {
        Growth::Step(s)
    } else if let Some(f) = profile.factor {
        Growth::Factor(f)
    } else {
        Growth::Step(profile.step.or(d.step).unwrap_or_default())
    };
    Settings {
        start: pick!(start),
        growth,
        max_rate: flags.max_rate,
        loopback_max_rate: profile.max_rate.or(d.max_rate).unwrap_or_default(),
        stage_seconds: pick!(stage_seconds),
        p50_ms: pick!(p50_ms),
        p95_ms: pick!(p95_ms),
        p99_ms: pick!(p99_ms),
        min_achieved: pick!(min_achieved),
        stop_after_fails: pick!(stop_after_fails),
        refine: pick!(refine),
        vus: pick!(vus),
        max_vus: flags.max_vus.or(profile.max_vus),
        generator_cpu: pick!(generator_cpu),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_capacity_block_and_refuses_the_rest() {
        let p = parse(r#"{"ves": {"description": "x", "capacity": {"start": 5, "factor": 2.0, "p95_ms": 40}}}"#)
            .unwrap();
        assert_eq!(p.start, Some(5));
        assert_eq!(p.factor, Some(2.0));
        assert_eq!(p.p95_ms, Some(40.0));
        assert_eq!(p.step, None);
        let e = parse(r#"{"vus": 2, "ves": {"env": {}}}"#).unwrap_err();
        assert!(
            format!("{e:#}").contains("no `ves.capacity` block"),
            "{e:#}"
        );
        let e = parse(r#"{"ves": {"capacity": {"strat": 5}}}"#).unwrap_err();
        assert!(format!("{e:#}").contains("unknown field `strat`"), "{e:#}");
        let e = parse(r#"{"ves": {"capacity": {"step": 5, "factor": 2}}}"#).unwrap_err();
        assert!(format!("{e:#}").contains("both set"), "{e:#}");
        assert!(parse("[1]").is_err());
    }

    #[test]
    fn names_are_looked_up_beside_the_script_and_none_is_none() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../load/capacity.js");
        let shipped = load(DEFAULT_PROFILE, &script).unwrap();
        assert!(shipped.path.unwrap().ends_with("profiles/capacity.json"));
        assert!(shipped.settings.start.is_some());
        let named = load("capacity", &script).unwrap();
        assert_eq!(named.settings, shipped.settings);
        let none = load("none", &script).unwrap();
        assert_eq!(none.settings, CapacityProfile::default());
        let e = load("smoke", &script).unwrap_err();
        assert!(format!("{e:#}").contains("not for `ves capacity`"), "{e:#}");
        let e = load("nosuch", &script).unwrap_err();
        assert!(format!("{e:#}").contains("cannot read"), "{e:#}");
    }

    #[test]
    fn a_flag_wins_over_the_profile_which_wins_over_the_defaults() {
        let profile = parse(r#"{"ves": {"capacity": {"start": 300, "factor": 2, "stage_seconds": 3, "p95_ms": 40, "max_rate": 900, "refine": 2}}}"#)
            .unwrap();
        let none = CapacityProfile::default();
        let s = resolve(&none, &profile);
        assert_eq!(s.start, 300);
        assert_eq!(s.growth, Growth::Factor(2.0));
        assert_eq!(s.stage_seconds, 3);
        assert_eq!(s.p95_ms, 40.0);
        assert_eq!(s.refine, 2);
        // Not in the profile: the built-in defaults.
        assert_eq!(s.p50_ms, 20.0);
        assert_eq!(s.vus, 20);
        assert_eq!(s.max_vus, None);
        // The profile's cap is for loopback only; no cap was asked for.
        assert_eq!((s.max_rate, s.loopback_max_rate), (None, 900));

        let flags = CapacityProfile {
            start: Some(500),
            step: Some(100),
            p95_ms: Some(70.0),
            max_rate: Some(800),
            ..Default::default()
        };
        let s = resolve(&flags, &profile);
        assert_eq!(s.start, 500);
        // --step replaces the profile's factor.
        assert_eq!(s.growth, Growth::Step(100));
        assert_eq!(s.p95_ms, 70.0);
        assert_eq!(s.stage_seconds, 3);
        assert_eq!(s.max_rate, Some(800));

        let s = resolve(&none, &none);
        assert_eq!(s.growth, Growth::Step(1000));
        assert_eq!(
            (s.start, s.stage_seconds, s.loopback_max_rate),
            (1000, 10, 20_000)
        );
        assert_eq!((s.p50_ms, s.p95_ms, s.p99_ms), (20.0, 50.0, 100.0));
    }

    #[test]
    fn the_shipped_profile_holds_the_production_targets() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../load/capacity.js");
        let s = resolve(
            &CapacityProfile::default(),
            &load(DEFAULT_PROFILE, &script).unwrap().settings,
        );
        assert_eq!((s.p50_ms, s.p95_ms, s.p99_ms), (20.0, 50.0, 100.0));
        assert_eq!(s.min_achieved, 0.95);
        assert_eq!(s.stop_after_fails, 1);
    }
}
