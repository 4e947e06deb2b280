//! capacity.html: one self-contained page (inline SVG and CSS, no script, nothing fetched) with
//! two plots against the offered rate: achieved events/s, and ingest p50/p95/p99 on a log scale
//! with the targets as lines. The knee (the maximum found) is marked in both; a baseline run is
//! drawn beside in grey. Elements carry classes and data attributes so that a test can count
//! the points and read the marked maximum from the rendered page.

use std::fmt::Write;

use super::report::Report;
use super::verdict::StageResult;

const W: f64 = 760.0;
const H: f64 = 360.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 56.0;

/// Maps data to pixels: linear x (offered), linear or log y.
struct Axes {
    x_max: f64,
    y_min: f64,
    y_max: f64,
    log_y: bool,
}

impl Axes {
    fn x(&self, v: f64) -> f64 {
        LEFT + v / self.x_max * (W - LEFT - RIGHT)
    }
    fn y(&self, v: f64) -> f64 {
        let f = if self.log_y {
            (v.max(self.y_min).log10() - self.y_min.log10())
                / (self.y_max.log10() - self.y_min.log10())
        } else {
            (v - self.y_min) / (self.y_max - self.y_min)
        };
        H - BOTTOM - f.clamp(0.0, 1.05) * (H - TOP - BOTTOM)
    }
}

pub fn render(report: &Report, baseline: Option<&Report>) -> String {
    let mut stages: Vec<&StageResult> = report.stages.iter().collect();
    stages.sort_by_key(|s| s.offered_eps);
    let mut base: Vec<&StageResult> = baseline
        .map(|b| b.stages.iter().collect())
        .unwrap_or_default();
    base.sort_by_key(|s| s.offered_eps);
    let all = || stages.iter().chain(base.iter());
    // The x axis ends at the highest offered stage: nothing was offered beyond it.
    let x_max = all().map(|s| s.offered_eps as f64).fold(1.0, f64::max);
    let y_rate = nice_ceiling(
        all()
            .map(|s| s.achieved_eps.max(s.offered_eps as f64))
            .fold(1.0, f64::max)
            * 1.05,
    );
    let t = &report.targets;
    let lat = all()
        .flat_map(|s| [s.p50_ms, s.p95_ms, s.p99_ms])
        .flatten()
        .filter(|v| *v > 0.0);
    let lat_min = lat.clone().fold(t.p50_ms, f64::min);
    let lat_max = lat.fold(t.p99_ms, f64::max);
    let rate_axes = Axes {
        x_max,
        y_min: 0.0,
        y_max: y_rate,
        log_y: false,
    };
    let lat_axes = Axes {
        x_max,
        y_min: 10f64.powf(lat_min.log10().floor()),
        y_max: 10f64.powf(lat_max.log10().ceil()),
        log_y: true,
    };
    let max = report.result.max_sustainable_events_per_s;

    let mut rate = String::new();
    grid(
        &mut rate,
        &rate_axes,
        "offered events/s",
        "achieved events/s",
    );
    let diag = [(0.0, 0.0), (x_max, x_max)];
    line(
        &mut rate,
        &rate_axes,
        &diag,
        "ideal",
        "stroke:#999;stroke-dasharray:6 4",
    );
    let min_line: Vec<(f64, f64)> = diag
        .iter()
        .map(|(x, y)| (*x, y * t.min_achieved_ratio))
        .collect();
    line(
        &mut rate,
        &rate_axes,
        &min_line,
        "target min-achieved",
        "stroke:#c60;stroke-dasharray:2 3",
    );
    label(
        &mut rate,
        rate_axes.x(x_max * 0.8),
        rate_axes.y(x_max * 0.8 * t.min_achieved_ratio) + 16.0,
        &format!("{:.0} % of offered", t.min_achieved_ratio * 100.0),
        "#c60",
    );
    series(
        &mut rate,
        &rate_axes,
        &base,
        |s| Some(s.achieved_eps),
        "baseline achieved",
        "#aaa",
    );
    series(
        &mut rate,
        &rate_axes,
        &stages,
        |s| Some(s.achieved_eps),
        "achieved",
        "#1565c0",
    );
    knee(&mut rate, &rate_axes, max);

    let mut latency = String::new();
    grid(
        &mut latency,
        &lat_axes,
        "offered events/s",
        "ingest latency, ms (log)",
    );
    for (name, target, color) in [
        ("p50", t.p50_ms, "#2e7d32"),
        ("p95", t.p95_ms, "#ef6c00"),
        ("p99", t.p99_ms, "#c62828"),
    ] {
        let pts = [(0.0, target), (x_max, target)];
        line(
            &mut latency,
            &lat_axes,
            &pts,
            &format!("target {name}"),
            &format!("stroke:{color};stroke-dasharray:6 4;opacity:.7"),
        );
        label(
            &mut latency,
            W - RIGHT - 4.0,
            lat_axes.y(target) - 4.0,
            &format!("{name} target {target} ms"),
            color,
        );
        let pick = move |s: &StageResult| match name {
            "p50" => s.p50_ms,
            "p95" => s.p95_ms,
            _ => s.p99_ms,
        };
        series(
            &mut latency,
            &lat_axes,
            &base,
            pick,
            &format!("baseline {name}"),
            "#aaa",
        );
        series(&mut latency, &lat_axes, &stages, pick, name, color);
    }
    knee(&mut latency, &lat_axes, max);

    let m = &report.metadata;
    let r = &report.result;
    let mut page = String::new();
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ves capacity: {title}</title>
<style>body{{font:14px system-ui,sans-serif;margin:24px;color:#222}} svg{{background:#fff;border:1px solid #ddd;display:block;margin:8px 0 20px}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}} td:last-child{{text-align:left;max-width:22em}} th{{font-size:12px}} .fail{{color:#c62828}} code{{background:#f4f4f4}}</style></head>
<body><h1>Capacity of {target}</h1>
<p id="result" data-max-eps="{max_attr}" data-limited-by="{limited}"><code>{line}</code></p>
<p>{explanation}</p>
<p>{meta}</p>
"#,
        title = esc(&m.target),
        target = esc(&m.target),
        max_attr = max.map_or(String::new(), |v| v.to_string()),
        limited = r.limited_by.as_str(),
        line = esc(&super::verdict::result_line(r)),
        explanation = esc(&r.explanation),
        meta = esc(&format!(
            "{} · {} · {} CPUs{} · git {} · {} · stages of {} s · started {}",
            m.k6_version,
            if m.mode == "corpus" {
                format!("corpus {}", m.corpus.as_deref().unwrap_or(""))
            } else {
                "live signing".into()
            },
            m.cpu_count,
            if m.loopback {
                " shared by k6 and the server (loopback target)"
            } else {
                ""
            },
            m.git_revision,
            format_args!("batch {}, VUs {}..{}", m.batch_size, m.vus, m.max_vus),
            m.stage_seconds,
            m.started_at
        )),
    );
    if let Some(b) = baseline {
        let _ = writeln!(
            page,
            "<p>Grey: baseline <code>{}</code> (git {}, {}).</p>",
            esc(&super::verdict::result_line(&b.result)),
            esc(&b.metadata.git_revision),
            esc(&b.metadata.started_at)
        );
    }
    let _ = writeln!(
        page,
        "<h2>Offered versus achieved events/s</h2>\n{}",
        svg("plot-rate", &rate)
    );
    let _ = writeln!(
        page,
        "<h2>Ingest latency per stage</h2>\n<p>Lines: <span style=\"color:#2e7d32\">p50</span>, <span style=\"color:#ef6c00\">p95</span>, <span style=\"color:#c62828\">p99</span> of every ingest request of the stage; dashed: their targets; filled points passed, hollow ones failed; the purple line marks the maximum found.</p>\n{}",
        svg("plot-latency", &latency)
    );
    page.push_str("<h2>Stages</h2>\n<table><tr><th>#</th><th>offered/s</th><th>achieved/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>server sequenced/s</th><th>server p50/p95/p99 ms</th><th>requests</th><th>failed</th><th>rejected</th><th>dropped</th><th>k6 CPU</th><th>verdict</th></tr>\n");
    for s in &report.stages {
        let f = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
        let _ = writeln!(
            page,
            "<tr class=\"stage\"><td>{}{}</td><td>{}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            s.index,
            if s.refinement { " (refine)" } else { "" },
            s.offered_eps,
            s.achieved_eps,
            f(s.p50_ms),
            f(s.p95_ms),
            f(s.p99_ms),
            s.server.as_ref().map_or("–".into(), |v| format!("{:.0}", v.sequenced_eps)),
            s.server.as_ref().map_or("–".into(), |v| format!("{}/{}/{}", f(v.p50_ms), f(v.p95_ms), f(v.p99_ms))),
            s.requests,
            s.failed_requests,
            s.rejections,
            s.dropped_iterations,
            s.k6_cpu_fraction.map_or("–".into(), |v| format!("{:.0} %", v * 100.0)),
            if s.passed { "pass" } else { "fail" },
            esc(&if s.passed {
                "pass".to_string()
            } else {
                format!(
                    "fail: {}; limited by {}: {}",
                    s.reasons.join("; "),
                    s.limited_by.map_or("unknown", |l| l.as_str()),
                    s.attribution.as_deref().unwrap_or("")
                )
            }),
        );
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

fn svg(id: &str, body: &str) -> String {
    format!(
        r#"<svg id="{id}" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-size="12">{body}</svg>"#
    )
}

fn grid(out: &mut String, a: &Axes, x_title: &str, y_title: &str) {
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, H - BOTTOM, TOP);
    let _ = write!(
        out,
        r##"<g class="axes" stroke="#333"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/></g>"##
    );
    for v in ticks(a.x_max) {
        let x = a.x(v);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{y0}" x2="{x:.1}" y2="{y1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            y0 + 16.0,
            fmt_num(v)
        );
    }
    let y_ticks = if a.log_y {
        log_ticks(a.y_min, a.y_max)
    } else {
        ticks(a.y_max)
    };
    for v in y_ticks {
        let y = a.y(v);
        let _ = write!(
            out,
            r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            x0 - 6.0,
            y + 4.0,
            fmt_num(v)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        (x0 + x1) / 2.0,
        H - 14.0,
        esc(x_title)
    );
    let _ = write!(
        out,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (y0 + y1) / 2.0,
        esc(y_title)
    );
}

fn line(out: &mut String, a: &Axes, pts: &[(f64, f64)], class: &str, style: &str) {
    let d: Vec<String> = pts
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", a.x(*x), a.y(*y)))
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="{class}" points="{}" fill="none" style="{style}"/>"#,
        d.join(" ")
    );
}

fn label(out: &mut String, x: f64, y: f64, text: &str, color: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="end" fill="{color}">{}</text>"#,
        esc(text)
    );
}

/// A line through the stages and one circle per stage (filled when it passed).
fn series(
    out: &mut String,
    a: &Axes,
    stages: &[&StageResult],
    value: impl Fn(&StageResult) -> Option<f64>,
    class: &str,
    color: &str,
) {
    if stages.is_empty() {
        return;
    }
    let pts: Vec<(f64, f64)> = stages
        .iter()
        .filter_map(|s| value(s).map(|v| (s.offered_eps as f64, v)))
        .collect();
    line(
        out,
        a,
        &pts,
        &format!("line {class}"),
        &format!("stroke:{color};stroke-width:2"),
    );
    for s in stages {
        if let Some(v) = value(s) {
            let fill = if s.passed { color } else { "#fff" };
            let _ = write!(
                out,
                r#"<circle class="point {class}" data-stage="{}" data-offered="{}" data-value="{v:.3}" data-passed="{}" cx="{:.1}" cy="{:.1}" r="4.5" fill="{fill}" stroke="{color}" stroke-width="2"><title>{} events/s offered: {v:.1}</title></circle>"#,
                s.index,
                s.offered_eps,
                s.passed,
                a.x(s.offered_eps as f64),
                a.y(v),
                s.offered_eps
            );
        }
    }
}

fn knee(out: &mut String, a: &Axes, max: Option<u64>) {
    let Some(m) = max else { return };
    let x = a.x(m as f64);
    let _ = write!(
        out,
        r##"<g class="knee" data-max-eps="{m}"><line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{}" stroke="#6a1b9a" stroke-width="2"/><text x="{:.1}" y="{}" fill="#6a1b9a">max {m} events/s</text></g>"##,
        H - BOTTOM,
        x + 4.0,
        TOP + 12.0
    );
}

/// 1, 2 or 5 × 10^k at or above v.
fn nice_ceiling(v: f64) -> f64 {
    let p = 10f64.powf(v.max(1e-9).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn ticks(max: f64) -> Vec<f64> {
    let step = nice_ceiling(max / 6.0);
    (0..=((max / step).floor() as u64))
        .map(|i| i as f64 * step)
        .collect()
}

fn log_ticks(min: f64, max: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut decade = min;
    while decade <= max * 1.0001 {
        for m in [1.0, 2.0, 5.0] {
            let v = decade * m;
            if v <= max * 1.0001 {
                out.push(v);
            }
        }
        decade *= 10.0;
    }
    out
}

fn fmt_num(v: f64) -> String {
    if v >= 1.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::super::report::{Metadata, Report, FORMAT};
    use super::super::verdict::{conclude, Targets};
    use super::*;

    pub fn sample_report(rates: &[(u64, bool)]) -> Report {
        let stages: Vec<StageResult> = rates
            .iter()
            .enumerate()
            .map(|(i, (r, passed))| StageResult {
                index: i + 1,
                refinement: false,
                offered_eps: *r,
                achieved_eps: *r as f64 * if *passed { 0.99 } else { 0.7 },
                p50_ms: Some(3.0 + i as f64),
                p95_ms: Some(8.0 * (i + 1) as f64),
                p99_ms: Some(if *passed { 20.0 } else { 900.0 }),
                requests: 10,
                failed_requests: 0,
                rejections: 0,
                dropped_iterations: 0,
                correctness_failures: 0,
                k6_cpu_cores: Some(0.5),
                k6_cpu_fraction: Some(0.25),
                k6_exit_code: Some(0),
                latency_ok: *passed,
                passed: *passed,
                reasons: if *passed {
                    vec![]
                } else {
                    vec!["p99 <900> ms".into()]
                },
                k6_cpu_wait_cores: None,
                k6_cores_allowed: None,
                iteration_mean_ms: None,
                request_share: None,
                start_lag_p95_ms: None,
                vus_max: None,
                max_vus: None,
                limited_by: None,
                attribution: None,
                server: None,
            })
            .collect();
        Report {
            format: FORMAT.into(),
            metadata: Metadata {
                k6_version: "k6 v1.1.0".into(),
                cpu_count: 2,
                mode: "live".into(),
                corpus: None,
                batch_size: 100,
                git_revision: "abc".into(),
                target: "http://127.0.0.1:1".into(),
                loopback: true,
                started_at: "now".into(),
                stage_seconds: 3,
                vus: 1,
                max_vus: 1,
            },
            targets: Targets {
                p50_ms: 20.0,
                p95_ms: 50.0,
                p99_ms: 100.0,
                min_achieved_ratio: 0.95,
                generator_cpu_fraction: 0.9,
            },
            result: conclude(&stages),
            stages,
        }
    }

    #[test]
    fn one_point_per_stage_and_the_knee_at_the_maximum() {
        let r = sample_report(&[(1000, true), (2000, true), (3000, false)]);
        let html = render(&r, None);
        assert_eq!(html.matches(r#"class="point achieved""#).count(), 3);
        for p in ["p50", "p95", "p99"] {
            assert_eq!(
                html.matches(&format!(r#"class="point {p}""#)).count(),
                3,
                "{p}"
            );
            assert!(html.contains(&format!(r#"class="target {p}""#)));
        }
        assert_eq!(
            html.matches(r#"<g class="knee" data-max-eps="2000">"#)
                .count(),
            2
        );
        assert!(html.contains("&lt;900&gt;"), "reasons are escaped");
        assert!(
            !html.contains("<script")
                && !html.contains("http://www.w3.org/1999")
                && !html.contains("src=")
        );
        assert!(!html.contains("baseline"));
    }

    #[test]
    fn the_x_axis_ends_at_the_highest_offered_stage() {
        // 1,000 and 2,700 events/s: the right end of the plot is 2,700, not a round number above.
        let r = sample_report(&[(1000, true), (2700, false)]);
        let html = render(&r, None);
        let right = format!(
            r#"data-offered="2700" data-value="1890.000" data-passed="false" cx="{:.1}""#,
            W - RIGHT
        );
        assert!(
            html.contains(&right),
            "the highest stage sits at the right edge"
        );
        // With a baseline that went further, its highest stage ends the axis.
        let b = sample_report(&[(1000, true), (4000, false)]);
        let html = render(&r, Some(&b));
        assert!(html.contains(&format!(
            r#"data-offered="4000" data-value="2800.000" data-passed="false" cx="{:.1}""#,
            W - RIGHT
        )));
    }

    #[test]
    fn a_baseline_is_drawn_beside() {
        let r = sample_report(&[(1000, true), (2000, false)]);
        let b = sample_report(&[(500, true), (1000, true), (1500, true), (2000, false)]);
        let html = render(&r, Some(&b));
        assert_eq!(
            html.matches(r#"class="point baseline achieved""#).count(),
            4
        );
        assert_eq!(html.matches(r#"class="point baseline p95""#).count(), 4);
        assert_eq!(html.matches(r#"class="point achieved""#).count(), 2);
    }

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_ceiling(3100.0), 5000.0);
        assert_eq!(nice_ceiling(0.7), 1.0);
        assert_eq!(ticks(5000.0).len(), 6);
        assert_eq!(
            log_ticks(1.0, 100.0),
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        );
    }
}
