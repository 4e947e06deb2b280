//! The golden files (`spec/golden/<property>.http`): every property's events and requests as
//! rendered with the fixed seed `golden`, so that a change to the catalogue or to a renderer
//! shows up in review. Left as written: `{{admin_key}}`, values captured from the server's
//! answers, `{{pad:N}}` and repeated events. The Rust test below and the k6 test
//! `tests/k6/spec.test.js` both regenerate them and compare.

use std::fmt::Write;

use anyhow::Result;

use super::catalogue::{Catalogue, Property};
use super::events::{self, Scope};
use super::template::{self, Ctx};

pub const SEED: &str = "golden";

pub fn render(catalogue: &Catalogue, p: &Property) -> Result<String> {
    let scope = Scope {
        seed: SEED,
        property: &p.id,
        pass: "0",
    };
    let mut out = String::new();
    let _ = writeln!(out, "# {} ({}): {}", p.id, p.level.as_str(), p.title);
    let _ = writeln!(out, "# source: {}:{}", p.source.doc, p.source.line);
    let mut built = std::collections::BTreeMap::new();
    for name in p.events.keys() {
        built.insert(
            name.clone(),
            events::build(&scope, &catalogue.event_defaults, &p.events, name)?,
        );
    }
    if !built.is_empty() {
        out.push_str("\n## events\n");
        for (name, e) in &built {
            let _ = writeln!(out, "{name}: {}", e.text);
        }
    }
    if let Some(o) = &p.observe {
        let _ = writeln!(
            out,
            "\n## observes every answer of status {} in the run",
            o.status
        );
    }
    let captures = std::collections::BTreeMap::new();
    let ctx = Ctx {
        scope: &scope,
        admin_key: None,
        events: &built,
        captures: &captures,
    };
    for (i, step) in p.steps.iter().enumerate() {
        let req = template::render(&step.request, &ctx)?;
        let times = step.request.parallel.unwrap_or(1);
        let _ = write!(out, "\n## step {} ({})", i + 1, step.label(i));
        if times > 1 {
            let _ = write!(out, ", sent {times} times at once");
        }
        let _ = writeln!(out, "\n{} {}", req.method, req.path);
        for (k, v) in &req.headers {
            let _ = writeln!(out, "{k}: {v}");
        }
        if let Some(b) = &req.body {
            let _ = writeln!(out, "\n{b}");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;
    use crate::cmd::spec::catalogue;

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/golden")
    }

    /// Regenerates every golden file and compares; `VES_SPEC_UPDATE_GOLDEN=1` rewrites them.
    #[test]
    fn golden_files_match_the_catalogue() {
        let c = catalogue::shipped().unwrap();
        let update = std::env::var("VES_SPEC_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
        let mut names = BTreeSet::new();
        let mut differ = Vec::new();
        for p in &c.properties {
            let text = render(&c, p).unwrap();
            let path = dir().join(format!("{}.http", p.id));
            names.insert(format!("{}.http", p.id));
            if update {
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                differ.push(p.id.clone());
            }
        }
        assert!(
            differ.is_empty(),
            "spec/golden differs for {differ:?}: review the change, then VES_SPEC_UPDATE_GOLDEN=1 cargo test -p ves-cli golden"
        );
        let extra: Vec<String> = std::fs::read_dir(dir())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".http") && !names.contains(n))
            .collect();
        assert!(
            extra.is_empty(),
            "spec/golden has files of no property: {extra:?}"
        );
    }
}
