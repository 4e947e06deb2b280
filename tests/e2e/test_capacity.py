"""`ves capacity` (docs/CAPACITY.md): the real k6 binary against real ves-devservers over HTTP, then
headless Chromium on the page it wrote.
 - knee: a devserver that sheds ingest above 650 events/s (--fault shed_above_rate=650); stages of
   3 s from 300 by 300 fail at 900, one refinement stage (--refine 1) fails at 750: the search
   finds 600 (within one step of the knee), limited_by=server, and writes capacity.json with
   every field; the output says k6 and the server share the cores;
 - browser: Chromium renders that capacity.html: one point per stage in every plot, the knee at
   capacity.json's maximum, a screenshot kept;
 - generator: live signing with one VU at 20 then 10,000 events/s (one k6 VU signs ~1,900/s on a
   free core): limited_by=generator; drawn beside the knee's run as a --baseline;
 - a target off this machine without --max-rate is refused before any request;
 - profile: settings come from a --profile file (start, step, stage length, targets) and a flag
   wins over it (--max-rate, --p99-ms), as capacity.json's plan and targets show.

The latency targets are wide, in seconds, on purpose: these tests are about the knee that errors
and dropped iterations mark, not about this machine's latency; a stage then fails only on what
the test is about, with one core busy too. A stage's VUs get far more time per iteration than
its signing takes: the generator case's first stage, 20 events/s in batches of 20 on its one VU
(1 s per batch for ~25 ms of signing on a free core), the profile case's first stage, 100 events/s
in batches of 100 on 8 VUs (8 s per batch); while one VU cannot offer 10,000 events/s at any CPU
share (k6 drops iterations while the answers meet the targets)."""
import html.parser
import json
import shutil
import subprocess
import tempfile

import pytest

from harness import REPO

WIDE = ["--p50-ms", "5000", "--p95-ms", "10000", "--p99-ms", "20000"]
pytestmark = [pytest.mark.xdist_group("capacity"), pytest.mark.cpu_share]


@pytest.fixture(scope="module")
def capacity(module_ves, k6_path):
    def call(*args, name):
        return module_ves("capacity", *args, env={"K6": k6_path}, name=name)
    return call


def result_line(done) -> str:
    lines = [l for l in done.output.splitlines() if l.startswith("ves-capacity: ")]
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def knee(module_processes, module_presign, module_out, capacity):
    """The knee of a devserver that sheds above 650 events/s. Low rates, so that the machine's
    other load does not move the knee (a 3-second stage at 750 events/s sheds ~8 % of its requests).
    Stages 300, 600, 900, 750 (and 1200 if 900 passed by mistake) at batch 50: 225 batches."""
    server = module_processes.devserver("--fault", "shed_above_rate=650")
    corpus = module_presign("corpus", "--vus", "4", "--batches-per-vu", "60", "--batch-size", "50", "--seed", "11")
    results = module_out / "knee"
    done = capacity("--target", server.url, "--corpus", corpus, "--start", "300", "--step", "300", "--max-rate", "1800",
                    "--stage-seconds", "3", "--refine", "1", *WIDE, "--results-dir", results, name="knee")
    server.stop()
    return done, results


def capacity_json_problems(r) -> list[str]:
    problems = []
    m = r["metadata"]
    for k in ["k6_version", "cpu_count", "mode", "corpus", "git_revision", "target"]:
        if m.get(k) in (None, ""):
            problems.append(f"metadata.{k} missing")
    if m.get("mode") != "corpus":
        problems.append(f"mode {m.get('mode')}")
    for s in r["stages"]:
        for k in ["offered_eps", "achieved_eps", "p50_ms", "p95_ms", "p99_ms", "failed_requests", "rejections", "k6_cpu_cores", "passed"]:
            if s.get(k) is None:
                problems.append(f"stage {s['index']}: {k} missing")
    if [s["offered_eps"] for s in r["stages"]] != [300, 600, 900, 750]:
        problems.append(f"stages {[s['offered_eps'] for s in r['stages']]}")
    if [s["refinement"] for s in r["stages"]] != [False, False, False, True]:
        problems.append("the 4th stage is not the refinement")
    if r["result"]["correctness_failures"] != 0:
        problems.append("correctness failures")
    return problems


def test_capacity_knee(knee):
    done, results = knee
    line = result_line(done)
    assert done.rc == 0, done
    assert line.startswith("ves-capacity: max_sustainable_events_per_s=600 limited_by=server "), f"{line}\n{done}"
    report = json.loads((results / "capacity.json").read_text())
    problems = capacity_json_problems(report)
    assert not problems, f"capacity.json: {'; '.join(problems)}\n{done}"
    assert (results / "capacity.html").stat().st_size > 0
    assert done.has("k6 and the server share"), done


class Dom(html.parser.HTMLParser):
    """Points per (plot, series) and the marked knees of a capacity.html, as Chromium rendered it."""

    def __init__(self):
        super().__init__()
        self.points, self.knees, self.svgs = {}, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs.append(a.get("id"))
        cls = a.get("class", "") or ""
        if tag == "circle" and cls.startswith("point "):
            key = (self.svgs[-1], cls[len("point "):])
            self.points[key] = self.points.get(key, 0) + 1
        if tag == "g" and cls == "knee":
            self.knees.append((self.svgs[-1], a.get("data-max-eps")))


def chromium() -> str:
    for name in ("chromium", "chromium-headless-shell", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("no Chromium: install the Debian package chromium (apt-get install -y chromium), as .ci/run does")


def test_capacity_browser(knee, out):
    """Chromium renders the page: points per stage and the marked maximum, read from the DOM."""
    _, results = knee
    page = f"file://{results / 'capacity.html'}"
    flags = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    with tempfile.TemporaryDirectory() as profile_a, tempfile.TemporaryDirectory() as profile_b:
        dom = subprocess.run([chromium(), *flags, f"--user-data-dir={profile_a}", "--dump-dom", page],
                             capture_output=True, text=True, timeout=60)
        assert dom.returncode == 0, f"chromium --dump-dom failed: {dom.stderr[-1000:]}"
        shot = out / "capacity.png"
        s = subprocess.run([chromium(), *flags, f"--user-data-dir={profile_b}", "--window-size=900,1400", f"--screenshot={shot}", page],
                           capture_output=True, text=True, timeout=60)
        assert s.returncode == 0, f"chromium --screenshot failed: {s.stderr[-1000:]}"
    (out / "capacity.dom.html").write_text(dom.stdout)
    parsed = Dom()
    parsed.feed(dom.stdout)
    report = json.loads((results / "capacity.json").read_text())
    n, want = len(report["stages"]), str(report["result"]["max_sustainable_events_per_s"])
    for key in [("plot-rate", "achieved"), ("plot-latency", "p50"), ("plot-latency", "p95"), ("plot-latency", "p99")]:
        assert parsed.points.get(key, 0) == n, f"{key[0]} {key[1]}: {parsed.points.get(key, 0)} points, {n} stages"
    assert sorted(parsed.knees) == [("plot-latency", want), ("plot-rate", want)], f"knees {parsed.knees}, capacity.json says {want}"
    size = shot.stat().st_size if shot.exists() else 0
    assert size >= 20000, f"screenshot {size} bytes"


def test_capacity_generator_limited(knee, devserver, capacity, out):
    """One VU signing live cannot offer 10,000 events/s: the generator is the limit."""
    _, knee_results = knee
    server = devserver()
    results = out / "generator"
    done = capacity("--target", server.url, "--vus", "1", "--max-vus", "1", "--batch-size", "20", "--start", "20",
                    "--factor", "500", "--max-rate", "10000", "--stage-seconds", "3", *WIDE,
                    "--baseline", knee_results / "capacity.json", "--results-dir", results, name="generator")
    line = result_line(done)
    assert done.rc == 0, done
    assert line.startswith("ves-capacity: max_sustainable_events_per_s=20 limited_by=generator "), f"{line}\n{done}"
    assert done.has("the generator was the limit: k6"), done
    assert '"mode": "live"' in (results / "capacity.json").read_text()
    knee_stages = len(json.loads((knee_results / "capacity.json").read_text())["stages"])
    baseline_points = (results / "capacity.html").read_text().count('class="point baseline achieved"')
    assert baseline_points == knee_stages, f"baseline points {baseline_points}, the knee run has {knee_stages} stages"


def test_capacity_remote_needs_cap(capacity):
    """A target off this machine needs an explicit cap (no request is sent: it fails before k6)."""
    done = capacity("--target", "http://192.0.2.1:8080", name="remote-cap")
    assert done.rc == 2, done
    assert "--max-rate" in done.output, done


def test_capacity_profile_and_flags(devserver, capacity, out):
    """A profile gives the plan and the targets, a flag wins over it: the profile's start 100, step
    100, 2-second stages and p50 target; --max-rate 200 and --p99-ms 15000 from the command line
    (the profile says 400 and 20000), so the stages are exactly 100 and 200."""
    profile = out / "profile.json"
    profile.write_text(json.dumps({"ves": {"capacity": {"start": 100, "step": 100, "max_rate": 400, "stage_seconds": 2,
                                                        "p50_ms": 5000, "p95_ms": 10000, "p99_ms": 20000, "vus": 8}}}))
    server = devserver()
    results = out / "profile"
    done = capacity("--target", server.url, "--profile", profile, "--max-rate", "200", "--p99-ms", "15000",
                    "--results-dir", results, name="profile")
    assert done.rc == 0, done
    r = json.loads((results / "capacity.json").read_text())
    got = {"stages": [s["offered_eps"] for s in r["stages"]], "stage_seconds": r["metadata"]["stage_seconds"],
           "vus": r["metadata"]["vus"], "p50": r["targets"]["p50_ms"], "p99": r["targets"]["p99_ms"]}
    assert got == {"stages": [100, 200], "stage_seconds": 2, "vus": 8, "p50": 5000, "p99": 15000}, f"{got}\n{done}"
    assert done.has(f"then profile {profile}"), done
