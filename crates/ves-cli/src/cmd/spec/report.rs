//! What `ves spec` prints and writes: one line per property grouped by class (as h2spec
//! prints its sections), the failure's request, answer and expectation under its line, a
//! summary line; `--json` the same as one document; `--junit` a JUnit XML file.

use std::fmt::Write;

use serde::Serialize;

use super::catalogue::{Catalogue, Class};
use super::runner::{PropertyResult, Verdict};

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub info: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub target: String,
    pub seed: String,
    pub sequencer_key: bool,
    pub started: String,
    pub duration_s: f64,
    pub summary: Summary,
    pub result: &'static str,
    pub properties: Vec<PropertyResult>,
}

impl Report {
    pub fn new(
        target: &str,
        seed: &str,
        sequencer_key: bool,
        started: String,
        duration_s: f64,
        properties: Vec<PropertyResult>,
    ) -> Report {
        let count = |v: Verdict| properties.iter().filter(|p| p.verdict == v).count();
        let summary = Summary {
            total: properties.len(),
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            skipped: count(Verdict::Skip),
            info: count(Verdict::Info),
        };
        let result = if summary.failed == 0 { "PASS" } else { "FAIL" };
        Report {
            format: "ves-spec-report/1",
            target: target.to_string(),
            seed: seed.to_string(),
            sequencer_key,
            started,
            duration_s,
            summary,
            result,
            properties,
        }
    }

    pub fn passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// The catalogue's classes in order, each with its properties of this run (classes the run
    /// left out, by `--only`, are not listed): the sections of every rendering.
    pub fn by_class<'a>(
        &'a self,
        catalogue: &'a Catalogue,
    ) -> impl Iterator<Item = (&'a Class, Vec<&'a PropertyResult>)> + 'a {
        catalogue.classes.iter().filter_map(move |class| {
            let props: Vec<&PropertyResult> = self
                .properties
                .iter()
                .filter(|p| p.class == class.id)
                .collect();
            (!props.is_empty()).then_some((class, props))
        })
    }
}

/// The line of one property: `PASS  id  LEVEL  title` (and the reason of a SKIP).
pub fn line(p: &PropertyResult) -> String {
    let mut s = format!(
        "{}  {:<48} {:<6} {}",
        p.verdict.as_str(),
        p.id,
        p.level.as_str(),
        p.title
    );
    if let Some(why) = &p.why {
        if p.verdict == Verdict::Skip {
            let _ = write!(s, " (skipped: {why})");
        }
    }
    s
}

pub fn text(report: &Report, catalogue: &Catalogue) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ves spec: {} against {} (seed {})",
        catalogue.format, report.target, report.seed
    );
    for (class, props) in report.by_class(catalogue) {
        let _ = writeln!(out, "\n{} — {}", class.id, class.title);
        for p in props {
            let _ = writeln!(out, "  {}", line(p));
            if let Some(f) = &p.failure {
                let what = if p.verdict == Verdict::Info {
                    "differs from the reference"
                } else {
                    "failed"
                };
                let _ = writeln!(out, "        step {} ({}) {what}:", f.step, f.name);
                for problem in &f.problems {
                    let _ = writeln!(out, "          - {problem}");
                }
                if !f.request.method.is_empty() {
                    let _ = writeln!(
                        out,
                        "        request:  {} {}",
                        f.request.method, f.request.path
                    );
                    for (k, v) in &f.request.headers {
                        let _ = writeln!(out, "                  {k}: {v}");
                    }
                    if let Some(b) = &f.request.body {
                        let _ = writeln!(out, "                  {}", excerpt(b, 400));
                    }
                }
                for a in &f.answers {
                    match &a.error {
                        Some(e) => {
                            let _ = writeln!(out, "        answer:   none ({e})");
                        }
                        None => {
                            let _ = writeln!(
                                out,
                                "        answer:   {} {}",
                                a.status,
                                excerpt(&a.body, 400)
                            );
                        }
                    }
                }
                let _ = writeln!(
                    out,
                    "        expected: {}",
                    excerpt(&f.expected.to_string(), 400)
                );
            }
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\nves-spec: {} properties, {} passed, {} failed, {} skipped, {} info (differ from the reference, not failures) in {:.1} s; result={}",
        s.total, s.passed, s.failed, s.skipped, s.info, report.duration_s, report.result
    );
    out
}

fn excerpt(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', "\\n");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!(
            "{}… ({} bytes)",
            one_line.chars().take(n).collect::<String>(),
            s.len()
        )
    }
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test suite per class, one test case per property; FAIL is a failure, SKIP
/// is skipped, INFO passes with its difference in system-out.
pub fn junit(report: &Report, catalogue: &Catalogue) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let s = &report.summary;
    let _ = writeln!(
        out,
        "<testsuites name=\"ves spec\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        s.total, s.failed, s.skipped, report.duration_s
    );
    for (class, props) in report.by_class(catalogue) {
        let count = |v: Verdict| props.iter().filter(|p| p.verdict == v).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&class.id),
            props.len(),
            count(Verdict::Fail),
            count(Verdict::Skip)
        );
        for p in props {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\">",
                xml(&p.class),
                xml(&p.id)
            );
            let detail = p.failure.as_ref().map(|f| {
                let mut d = f.problems.join("\n");
                let _ = write!(d, "\nrequest: {} {}", f.request.method, f.request.path);
                if let Some(b) = &f.request.body {
                    let _ = write!(d, "\n{}", excerpt(b, 1000));
                }
                for a in &f.answers {
                    let _ = write!(d, "\nanswer: {} {}", a.status, excerpt(&a.body, 1000));
                }
                let _ = write!(d, "\nexpected: {}", f.expected);
                d
            });
            match p.verdict {
                Verdict::Pass => {}
                Verdict::Fail => {
                    let msg = p
                        .failure
                        .as_ref()
                        .and_then(|f| f.problems.first().cloned())
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        "<failure message=\"{} {}: {}\">{}</failure>",
                        p.level.as_str(),
                        xml(&p.title),
                        xml(&msg),
                        xml(&detail.unwrap_or_default())
                    );
                }
                Verdict::Skip => {
                    let _ = write!(
                        out,
                        "<skipped message=\"{}\"/>",
                        xml(p.why.as_deref().unwrap_or(""))
                    );
                }
                Verdict::Info => {
                    let _ = write!(
                        out,
                        "<system-out>INFO: differs from the reference server\n{}</system-out>",
                        xml(&detail.unwrap_or_default())
                    );
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::spec::catalogue::{self, Level, Source};
    use crate::cmd::spec::runner::{Failure, Shown, ShownAnswer};

    fn result(id: &str, class: &str, level: Level, verdict: Verdict) -> PropertyResult {
        let failure = matches!(verdict, Verdict::Fail | Verdict::Info).then(|| Failure {
            step: 1,
            name: "s1".into(),
            request: Shown {
                method: "GET".into(),
                path: "/x?<y>".into(),
                headers: vec![("Authorization".into(), "ApiKey <admin key>".into())],
                body: None,
            },
            answers: vec![ShownAnswer {
                status: 500,
                body: "oops & <b>".into(),
                error: None,
            }],
            expected: serde_json::json!({"status": 200}),
            problems: vec!["status: expected 200, found 500".into()],
        });
        PropertyResult {
            id: id.into(),
            class: class.into(),
            level,
            title: "t".into(),
            source: Source {
                doc: "VES_V1.md".into(),
                line: 1,
                quote: "q".into(),
            },
            verdict,
            why: (verdict == Verdict::Skip).then(|| "no key".to_string()),
            failure,
        }
    }

    /// FAIL is a failure, SKIP skipped with its reason, INFO a pass that says it differs; text
    /// and the page escape what the server sent.
    #[test]
    fn junit_and_html_show_each_verdict() {
        let c = catalogue::shipped().unwrap();
        let props = vec![
            result("receipts.a", "receipts", Level::Must, Verdict::Fail),
            result("receipts.b", "receipts", Level::Must, Verdict::Skip),
            result("receipts.c", "receipts", Level::Info, Verdict::Info),
            result("receipts.d", "receipts", Level::Should, Verdict::Pass),
        ];
        let r = Report::new("http://h", "s", false, "now".into(), 1.0, props);
        assert!(!r.passed());
        let x = junit(&r, &c);
        assert!(
            x.contains("<testsuites name=\"ves spec\" tests=\"4\" failures=\"1\" skipped=\"1\""),
            "{x}"
        );
        assert!(
            x.contains("<failure message=\"MUST t: status: expected 200, found 500\">"),
            "{x}"
        );
        assert!(x.contains("<skipped message=\"no key\"/>"), "{x}");
        assert!(
            x.contains("<system-out>INFO: differs from the reference server"),
            "{x}"
        );
        assert!(
            x.contains("oops &amp; &lt;b&gt;") && !x.contains("<b>"),
            "{x}"
        );
        let page = crate::cmd::spec::html::render(&r, &c);
        assert_eq!(
            page.matches("<details>").count(),
            2,
            "a failure and an INFO difference open"
        );
        assert!(page.contains("data-property=\"receipts.b\" data-verdict=\"SKIP\""));
        assert!(page.contains("oops &amp; &lt;b&gt;") && !page.contains("<b>oops"));
        let t = text(&r, &c);
        assert!(
            t.contains("  FAIL  receipts.a ")
                && t.contains("(skipped: no key)")
                && t.contains("differs from the reference"),
            "{t}"
        );
        assert!(t.trim_end().ends_with("result=FAIL"), "{t}");
    }
}
