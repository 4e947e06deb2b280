//! spec.html: one self-contained page (inline CSS, no script, nothing fetched): the summary,
//! then one table per class with a row per property; a failure's row opens (`<details>`) on
//! its problems, the request, the answer and the answer expected. Rows carry
//! `data-property` and `data-verdict` so that a test can read the page.

use std::fmt::Write;

use super::catalogue::Catalogue;
use super::report::Report;
use super::runner::{PropertyResult, Verdict};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn failure_details(p: &PropertyResult) -> String {
    let Some(f) = &p.failure else {
        return p.why.as_deref().map(esc).unwrap_or_default();
    };
    let mut d = String::new();
    let what = if p.verdict == Verdict::Info {
        "differs from the reference"
    } else {
        "failed"
    };
    let _ = write!(
        d,
        "<details><summary>step {} ({}) {what}</summary><ul>",
        f.step,
        esc(&f.name)
    );
    for problem in &f.problems {
        let _ = write!(d, "<li>{}</li>", esc(problem));
    }
    d.push_str("</ul>");
    if !f.request.method.is_empty() {
        let mut req = format!("{} {}\n", f.request.method, f.request.path);
        for (k, v) in &f.request.headers {
            let _ = writeln!(req, "{k}: {v}");
        }
        if let Some(b) = &f.request.body {
            let _ = write!(req, "\n{b}");
        }
        let _ = write!(d, "<h4>request</h4><pre>{}</pre>", esc(&req));
    }
    for a in &f.answers {
        let text = match &a.error {
            Some(e) => format!("no answer: {e}"),
            None => format!("{}\n\n{}", a.status, a.body),
        };
        let _ = write!(d, "<h4>answer</h4><pre>{}</pre>", esc(&text));
    }
    let expected = serde_json::to_string_pretty(&f.expected).unwrap_or_default();
    let _ = write!(
        d,
        "<h4>answer expected</h4><pre>{}</pre></details>",
        esc(&expected)
    );
    d
}

pub fn render(report: &Report, catalogue: &Catalogue) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ves spec: {target}</title><style>\
body{{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}}h1{{font-size:20px}}h2{{font-size:16px;margin-top:28px}}\
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}}\
.v{{font-weight:600;width:4em}}.PASS{{color:#176b2c}}.FAIL{{color:#b00020}}.SKIP{{color:#777}}.INFO{{color:#8a5a00}}\
pre{{background:#f6f6f6;padding:8px;white-space:pre-wrap;word-break:break-all;max-height:24em;overflow:auto}}\
.src{{color:#666;font-size:12px}}summary{{cursor:pointer}}</style></head><body>\
<h1>ves spec <span class=\"{result}\" id=\"result\">{result}</span></h1>\
<p>target {target} · seed {seed} · {total} properties: <b class=\"PASS\">{passed} passed</b>, <b class=\"FAIL\">{failed} failed</b>, \
<b class=\"SKIP\">{skipped} skipped</b>, <b class=\"INFO\">{info} info</b> (differ from the reference server, not failures) · {dur:.1} s</p>",
        target = esc(&report.target),
        seed = esc(&report.seed),
        result = report.result,
        total = s.total,
        passed = s.passed,
        failed = s.failed,
        skipped = s.skipped,
        info = s.info,
        dur = report.duration_s,
    );
    for (class, props) in report.by_class(catalogue) {
        let _ = write!(out, "<h2 id=\"{id}\">{id} — {title}</h2><table><tr><th>verdict</th><th>property</th><th>level</th><th>promise</th><th>detail</th></tr>", id = esc(&class.id), title = esc(&class.title));
        for p in props {
            let v = p.verdict.as_str();
            let _ = write!(
                out,
                "<tr data-property=\"{id}\" data-verdict=\"{v}\"><td class=\"v {v}\">{v}</td><td><code>{id}</code></td><td>{level}</td><td>{title}<div class=\"src\">{doc}:{line} “{quote}”</div></td><td>{detail}</td></tr>",
                id = esc(&p.id),
                level = p.level.as_str(),
                title = esc(&p.title),
                doc = esc(&p.source.doc),
                line = p.source.line,
                quote = esc(&p.source.quote),
                detail = failure_details(p),
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</body></html>\n");
    out
}
