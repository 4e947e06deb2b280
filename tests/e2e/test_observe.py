"""The server's own view beside the load (docs/OBSERVE.md): a real Prometheus (Debian's package,
started by scripts/observe.py) scraping the devserver's /metrics with its key and receiving k6's
remote write, the dashboard's expressions, promtool on the devserver's format, and the
server-agrees check of the scenarios (SERVER_AGREES). Nothing is mocked.

The real server's /metrics is modelled in crates/ves-devserver/src/metrics.rs from
LIVE_OBSERVED.md section 11 (names, types, labels, buckets; auth of section 2).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import DEVSERVER_ADMIN_KEY, REPO, THRESHOLDS_FAILED, free_port, run

OBSERVE = REPO / "scripts" / "observe.py"
DASHBOARD = REPO / "examples" / "grafana" / "ves-k6-dashboard.json"
# The test profiles tests/e2e/profiles/short.json and short_segments.json (latency bounds in seconds).
SHORT = "short"
SHORT_SEGMENTS = "short_segments"
# The counters of the real server that have no `_total` suffix (LIVE_OBSERVED.md section 11):
# the only thing promtool's linter may say about the devserver's /metrics.
REAL_COUNTERS_WITHOUT_TOTAL = {
    "sequencer_events_sequenced", "sequencer_events_ingested", "sequencer_events_rejected",
    "sequencer_ves_events_received", "sequencer_ves_events_verified", "sequencer_errors_database",
}


def ensure_prometheus() -> None:
    """Debian's prometheus package (2.42), installed when missing, as .ci/run does."""
    if shutil.which("prometheus") and shutil.which("promtool"):
        return
    if os.geteuid() != 0:
        pytest.fail("prometheus is not installed and this is not root: apt-get install prometheus")
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"]):
        subprocess.run(argv, check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), capture_output=True)


class Prometheus:
    """The Prometheus of scripts/observe.py, on a free port, scraping one devserver every second."""

    def __init__(self, out: Path, target_url: str):
        ensure_prometheus()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "SEQUENCER_BASE_URL": target_url,
            "ADMIN_API_KEY": DEVSERVER_ADMIN_KEY,
            "OBSERVE_PORT": str(self.port),
            "OBSERVE_DIR": str(out / "observe"),
            "OBSERVE_SCRAPE_INTERVAL": "1s",
        }
        done = run(["python3", OBSERVE, "start"], out / "observe-start.log", env=self.env)
        assert done.rc == 0, f"scripts/observe.py start failed:\n{done.output}"
        self.out = out

    def stop(self) -> None:
        run(["python3", OBSERVE, "stop"], self.out / "observe-stop.log", env=self.env)

    def k6_env(self) -> dict[str, str]:
        """The process environment of a k6 run that writes here (what `observe.py env` prints)."""
        out = subprocess.run(["python3", OBSERVE, "env"], env=dict(os.environ, **self.env), capture_output=True, text=True, check=True).stdout
        return dict(re.findall(r"export (\w+)='([^']*)'", out))

    def query(self, expr: str) -> list[dict]:
        q = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def value(self, expr: str, seconds: float = 15) -> float | None:
        """The single value of an instant query, waiting up to `seconds` for it to appear."""
        deadline = time.monotonic() + seconds
        while True:
            result = self.query(expr)
            if result:
                assert len(result) == 1, f"{expr}: {len(result)} series: {result}"
                return float(result[0]["value"][1])
            if time.monotonic() > deadline:
                return None
            time.sleep(0.5)

    def target_health(self, seconds: float = 20) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            with urllib.request.urlopen(f"{self.url}/api/v1/targets", timeout=5) as r:
                targets = json.load(r)["data"]["activeTargets"]
            if targets and targets[0]["health"] == "up" or time.monotonic() > deadline:
                return targets[0] if targets else {}
            time.sleep(0.5)


@pytest.fixture
def prometheus(out):
    """prometheus(devserver) -> a started Prometheus scraping it; stopped after the test."""
    started: list[Prometheus] = []

    def start(server) -> Prometheus:
        p = Prometheus(out, server.url)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def remote_write_args(testid: str, *more: str) -> list[str]:
    return ["--out", "experimental-prometheus-rw", "--tag", f"testid={testid}", *more]


def test_prometheus_scrapes_the_devserver_with_its_key(devserver, prometheus):
    """The generated configuration sends `Authorization: ApiKey <key>` (LIVE_OBSERVED.md §11): the target is up."""
    server = devserver()
    prom = prometheus(server)
    config = (prom.out / "observe" / "prometheus.yml").read_text()
    assert '"type": "ApiKey"' in config and DEVSERVER_ADMIN_KEY not in config, "the key stays in its own file"
    assert oct((prom.out / "observe" / "scrape.key").stat().st_mode & 0o777) == "0o600"
    target = prom.target_health()
    assert target.get("health") == "up", target
    assert prom.value('sequencer_uptime_seconds{job="ves-sequencer"}') is not None


def test_remote_write_count_equals_the_summary(devserver, prometheus, k6):
    """After a smoke run with remote write, PromQL's ves_events_accepted for the testid equals the summary JSON's count."""
    server = devserver()
    prom = prometheus(server)
    run_ = k6("load/sequencer_ingest.js", *remote_write_args("smoke-rw"), server=server, profile=SHORT, proc_env=prom.k6_env())
    assert run_.passed, run_
    accepted = run_.metric("ves_events_accepted")
    assert accepted and accepted > 0, run_
    got = prom.value('sum(max_over_time(k6_ves_events_accepted_total{testid="smoke-rw"}[1h]))')
    assert got == accepted, f"Prometheus {got}, summary {accepted}"
    # Every ves_* metric arrived with the testid, trends as p50/p95/p99 (K6_PROMETHEUS_RW_TREND_STATS).
    names = {r["metric"]["__name__"] for r in prom.query('{__name__=~"k6_ves_.+", testid="smoke-rw"}')}
    assert {"k6_ves_events_accepted_total", "k6_ves_receipts_invalid_total", "k6_ves_sign_duration_p99", "k6_ves_server_gap_total"} <= names, names
    assert not prom.query('{__name__=~"k6_ves_.+", testid=""}'), "a ves_* series without testid"
    assert prom.value('max(k6_http_req_duration_p99{testid="smoke-rw", endpoint="ingest"})') is not None


def test_two_segments_add_up_to_the_merged_summary(devserver, prometheus, k6, out):
    """Two runners (execution segments, each its instance_id) sum per testid to scripts/merge-summaries.py's total."""
    server = devserver()
    prom = prometheus(server)
    segments = [("0", "0:1/2"), ("1", "1/2:1")]

    def runner(seg):
        instance, segment = seg
        return k6("load/sequencer_ingest.js", *remote_write_args("two-runners", "--tag", f"instance_id={instance}",
                  "--execution-segment", segment, "--execution-segment-sequence", "0,1/2,1"),
                  server=server, profile=SHORT_SEGMENTS, proc_env=prom.k6_env(), name=f"segment-{instance}")

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(runner, segments))
    for r in runs:
        assert r.rc == 0, r
    summaries = sorted(str(p) for r in runs for p in r.results_dir.glob("sequencer_ingest-*-summary.json"))
    assert len(summaries) == 2, summaries
    merged_path = out / "merged.json"
    merged = run(["python3", REPO / "scripts" / "merge-summaries.py", "--out", merged_path, *summaries], out / "merge.log")
    assert merged.rc == 0, merged.output
    total = json.loads(merged_path.read_text())["counters"]["ves_events_accepted"]
    assert total > 0, merged.output
    # Each runner reports the server's count without a balance: the server counts both runners.
    for r, path in zip(runs, summaries):
        record = json.loads(Path(path).read_text())["ves"]["server"]
        assert record["read"] and record["gap"] is None and record["segment"], record
        assert "compare the runners' sum per testid in Prometheus" in r.output, r
    runners = prom.value('count(count by (instance_id) (k6_ves_events_accepted_total{testid="two-runners"}))')
    assert runners == 2, f"{runners} runners in Prometheus"
    got = prom.value('sum by (testid) (max_over_time(k6_ves_events_accepted_total{testid="two-runners"}[1h]))')
    assert got == total, f"Prometheus {got}, merged summaries {total}"


def dashboard_expressions() -> list[tuple[str, str]]:
    d = json.loads(DASHBOARD.read_text())
    out = []
    for p in d["panels"]:
        for t in p.get("targets", []):
            out.append((f"{p['title']} / {t['legendFormat']}", t["expr"]))
    return out


def test_every_dashboard_expression_returns_data(devserver, prometheus, k6):
    """Each panel query of examples/grafana/ves-k6-dashboard.json returns a finite value after a mixed run."""
    server = devserver()
    prom = prometheus(server)
    testid = "dashboard"
    run_ = k6("load/mixed_workload.js", *remote_write_args(testid), server=server, profile=SHORT, proc_env=prom.k6_env())
    assert run_.passed, run_
    assert run_.metric("ves_proofs_verified") > 0, run_
    time.sleep(3)  # a few scrapes of the server after the run
    expressions = dashboard_expressions()
    assert len(expressions) >= 20, expressions
    empty = []
    for title, expr in expressions:
        q = (expr.replace("$testid", testid).replace("$job", "ves-sequencer")
             .replace("$__rate_interval", "2m").replace("$__range", "30m"))
        result = prom.query(q)
        finite = [r for r in result if math.isfinite(float(r["value"][1]))]
        if not finite:
            empty.append(f"{title}: {q} -> {result}")
    assert not empty, "expressions without data:\n" + "\n".join(empty)


def test_devserver_metrics_pass_promtool(devserver, k6, out):
    """promtool check metrics finds no format problem; its linter names only the real server's counters without _total."""
    ensure_prometheus()
    server = devserver()
    run_ = k6("load/sequencer_ingest.js", server=server, profile=SHORT)
    assert run_.passed, run_
    status, text = server.get("/metrics")
    assert status == 200, text
    (out / "metrics.txt").write_text(text)
    checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    problems = [l for l in (checked.stdout + checked.stderr).splitlines() if l.strip()]
    # rc 1 would be a parse error (the real server's repeated TYPE lines); 3 is lint only.
    assert checked.returncode in (0, 3), problems
    allowed = {f'{n} counter metrics should have "_total" suffix' for n in REAL_COUNTERS_WITHOUT_TOTAL}
    assert set(problems) <= allowed, set(problems) - allowed
    # The same text with those names given the suffix passes outright: nothing else to say.
    renamed = re.sub(r"\b(" + "|".join(REAL_COUNTERS_WITHOUT_TOTAL) + r")\b", r"\1_total", text)
    clean = subprocess.run(["promtool", "check", "metrics"], input=renamed, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # The names, labels and buckets of LIVE_OBSERVED.md §11 are there.
    assert re.search(r'^sequencer_http_requests_total\{method="POST",path="/api/v1/ves/events/ingest",status="200"\} \d+$', text, re.M), text
    assert 'sequencer_ingest_latency_seconds_bucket{le="2.5"}' in text


def test_server_agrees_on_a_clean_devserver(devserver, k6):
    """SERVER_AGREES=exact: the server's count of events sequenced equals k6's accepted; the run passes."""
    server = devserver()
    run_ = k6("load/sequencer_ingest.js", server=server, profile=SHORT, env={"SERVER_AGREES": "exact"})
    assert run_.passed, run_
    record = run_.summary["ves"]["server"]
    assert record["read"] and record["mode"] == "exact", record
    assert record["sequenced"] == record["acceptedByK6"] == run_.metric("ves_events_accepted") > 0, record
    assert record["gap"] == 0, record
    assert run_.summary["metrics"]["ves_server_gap"]["thresholds"] == {"count==0": {"ok": True}}, run_
    # Server-side percentiles from the histogram's delta, beside k6's.
    for side in ("serverLatencyMs", "clientLatencyMs"):
        for p in ("p50", "p95", "p99"):
            assert isinstance(record[side][p], (int, float)) and record[side][p] >= 0, record
    assert "they agree" in run_.output and "ingest latency p50/p95/p99: k6" in run_.output, run_


def test_server_agrees_fails_under_lose_event(devserver, k6):
    """--fault lose_event: the server stored one event fewer than it acknowledged; SERVER_AGREES=exact fails on ves_server_gap."""
    server = devserver("--fault", "lose_event=30")
    run_ = k6("load/sequencer_ingest.js", server=server, profile=SHORT, env={"SERVER_AGREES": "exact"})
    assert run_.rc == THRESHOLDS_FAILED, run_
    gap = run_.summary["metrics"]["ves_server_gap"]
    assert gap["thresholds"] == {"count==0": {"ok": False}}, gap
    assert gap["values"]["count"] == 1, gap
    record = run_.summary["ves"]["server"]
    assert record["acceptedByK6"] - record["sequenced"] == 1, record
    assert "difference +1 (k6 minus server): SERVER_AGREES=exact fails the run" in run_.output, run_


def test_server_difference_only_reported_by_default(devserver, k6):
    """Without SERVER_AGREES=exact the same difference is reported, and no threshold is set on it."""
    server = devserver("--fault", "lose_event=30")
    run_ = k6("load/sequencer_ingest.js", server=server, profile=SHORT)
    gap = run_.summary["metrics"]["ves_server_gap"]
    assert "thresholds" not in gap, gap
    assert gap["values"]["count"] == 1, gap
    assert "reported only (SERVER_AGREES=exact fails on it)" in run_.output, run_


def test_server_view_refused_without_an_admin_key(devserver, k6, ves, out):
    """/metrics with a key that is not an admin key: 403 "Admin permission required" (LIVE_OBSERVED.md §2);
    report mode says it is not compared, SERVER_AGREES=exact aborts at setup()."""
    server = devserver()
    seed_file = out / "agent.seed"
    assert ves("keygen", "--seed-out", seed_file, name="keygen").rc == 0
    registered = ves("register-key", "--url", server.url, "--seed-file", seed_file, "--key-id", "7",
                     env={"ADMIN_API_KEY": DEVSERVER_ADMIN_KEY}, name="register-key")
    assert registered.rc == 0, registered.output
    # An agent-scoped key minted by the admin (POST /api/v1/agents/{id}/api-keys).
    req = urllib.request.Request(f"{server.url}/api/v1/agents/00000000-0000-0000-0000-000000000000/api-keys",
                                 data=b"{}", method="POST",
                                 headers={"Authorization": f"ApiKey {DEVSERVER_ADMIN_KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        agent_key = json.load(r)["apiKey"]
    assert server.get("/metrics", key=agent_key) == (403, "Admin permission required")
    # The run signs with the registered key (nothing to register), ingests with the admin key
    # (API_KEY's loopback default), and reads /metrics with ADMIN_API_KEY: the agent key.
    env = {"AGENT_SEED": seed_file.read_text().strip(), "AGENT_KEY_ID": "7", "ADMIN_API_KEY": agent_key}
    report = k6("load/sequencer_ingest.js", server=server, profile=SHORT, env=env, name="report")
    assert report.passed, report
    assert report.summary["ves"]["server"]["read"] is False, report.summary["ves"]["server"]
    assert "not compared (GET /metrics answered 403: the key is not an admin key" in report.output, report
    exact = k6("load/sequencer_ingest.js", server=server, profile=SHORT, env=dict(env, SERVER_AGREES="exact"), name="exact")
    assert exact.rc not in (0, THRESHOLDS_FAILED), exact
    assert "SERVER_AGREES=exact, but the server's metrics cannot be read: GET /metrics answered 403" in exact.output, exact


def test_capacity_shows_the_server_per_stage(devserver, ves, out, k6_path):
    """`ves capacity`: each stage carries the server's sequenced events/s and ingest percentiles beside k6's."""
    server = devserver()
    done = ves("capacity", "--target", server.url, "--start", "100", "--step", "100", "--max-rate", "200",
               "--stage-seconds", "3", "--p50-ms", "5000", "--p95-ms", "5000", "--p99-ms", "5000", "--vus", "2",
               "--results-dir", out / "capacity", env={"K6": k6_path}, name="capacity")
    assert done.rc in (0, 1), done.output
    report = json.loads((out / "capacity" / "capacity.json").read_text())
    stages = report["stages"]
    assert stages, report
    for s in stages:
        srv = s.get("server")
        assert srv is not None, s
        assert srv["sequenced"] > 0 and srv["sequenced_eps"] > 0, s
        assert abs(srv["sequenced_eps"] - s["achieved_eps"]) <= 0.05 * s["achieved_eps"] + 1, s
        assert all(isinstance(srv[k], (int, float)) for k in ("p50_ms", "p95_ms", "p99_ms")), s
    assert re.search(r"server: sequenced \d+ events/s, ingest p50/p95/p99 [\d.]+/[\d.]+/[\d.]+ ms", done.output), done.output
    assert "server sequenced/s" in (out / "capacity" / "capacity.html").read_text()
