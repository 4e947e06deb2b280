"""Fixtures of the end-to-end suite: real processes (harness.py), one results folder per test.

    def test_something(devserver, k6):
        server = devserver("--fault", "bad_receipt_hash=20")
        run = k6("load/sequencer_ingest.js", server=server, profile="short")
        assert run.rc == THRESHOLDS_FAILED, run
        assert run.metric("ves_receipts_invalid") > 0, run

Fixtures: devserver(*flags), signer(*flags), ves(*args), presign(name, *flags), k6(script, *args,
server=, profile=, env=, name=, json_out=) (also k6.start(...) in the background and
k6.inspect(...)), out (this test's folder). State that several tests read (a corpus, a run
whose outcome several tests judge) is made once per module with the `module_out`, `module_k6`
and `module_processes` fixtures; such a module marks its tests `xdist_group` so that one
worker makes it.

A failing test prints, for each k6 run it made, the command that reproduces it and the log
lines that explain it (pytest_runtest_makereport below). Every k6 run is checked for latency
thresholds below 1 s (harness.MIN_LATENCY_BOUND_MS): no test may depend on this machine's speed.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import (DEVSERVER_ADMIN_KEY, K6, PROFILES, REPO, THRESHOLDS_FAILED, Devserver, K6Run, Signer, binary,
                     free_port, k6_binary, profile_path, run)

RESULTS = REPO / "results" / "e2e"


def _folder(name: str) -> Path:
    path = RESULTS / re.sub(r"[^A-Za-z0-9_.@-]+", "_", name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def pytest_configure(config):
    config.addinivalue_line("markers", "cpu_share: the outcome depends on the CPU share k6 and the devserver get (ves capacity's "
                                       "stages: a knee the devserver's rate gate marks, an arrival rate k6 must keep up with); "
                                       "scripts/e2e-tests.sh runs these one at a time after the others, nothing else of the suite "
                                       "beside them")


@pytest.fixture(scope="session")
def k6_path() -> str:
    return k6_binary()


@pytest.fixture(scope="session")
def k6_version(k6_path) -> str:
    return subprocess.run([k6_path, "version"], capture_output=True, text=True).stdout.splitlines()[0]


@pytest.fixture
def out(request) -> Path:
    """This test's folder: results/e2e/<test name>/ (emptied first)."""
    return _folder(request.node.name)


@pytest.fixture(scope="module")
def module_out(request) -> Path:
    """This module's folder for shared state: results/e2e/<module>/, or <module>@<worker>/ under
    pytest-xdist (each worker that runs a test of the module makes the module's state)."""
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    return _folder(Path(request.module.__file__).stem + (f"@{worker}" if worker else ""))


class Processes:
    """Started devservers and signers, stopped together."""

    def __init__(self, out: Path):
        self.out = out
        self.started = []

    def devserver(self, *flags: str, data: Path | None = None, port: int | None = None) -> Devserver:
        d = Devserver(self.out, *flags, data=data, port=port)
        self.started.append(d)
        return d

    def signer(self, *flags: str) -> Signer:
        s = Signer(self.out, *flags)
        self.started.append(s)
        return s

    def stop_all(self):
        for p in reversed(self.started):
            p.stop()


@pytest.fixture
def devserver(out):
    """devserver(*flags, data=None, port=None) -> a started Devserver; every one is stopped after the test."""
    procs = Processes(out)
    yield procs.devserver
    procs.stop_all()


@pytest.fixture
def signer(out):
    """signer(*flags) -> a started `ves signer`; stopped after the test."""
    procs = Processes(out)
    yield procs.signer
    procs.stop_all()


@pytest.fixture(scope="module")
def module_processes(module_out):
    """Devservers and signers that live for the module (for state several tests read)."""
    procs = Processes(module_out)
    yield procs
    procs.stop_all()


def ves_runner(out: Path):
    count = [0]

    def call(*args, env: dict | None = None, name: str | None = None, timeout: float = 600):
        count[0] += 1
        log = out / f"{name or 'ves-' + str(args[0]) + '-' + str(count[0])}.log"
        return run([binary("ves"), *args], log, env=env, timeout=timeout)

    return call


@pytest.fixture
def ves(out):
    """ves(*args, env=None, name=None) -> Completed: the `ves` CLI run to completion."""
    return ves_runner(out)


def presigner(ves_call, out: Path):
    def make(name: str, *flags: str) -> Path:
        corpus = out / name
        done = ves_call("presign", "--out", corpus, *flags, name=f"presign-{name}")
        assert done.rc == 0, f"ves presign failed:\n$ {done.command}\n{done.output[-2000:]}"
        return corpus

    return make


@pytest.fixture
def presign(ves, out):
    """presign(name, *flags) -> Path of a `ves presign` corpus in this test's folder."""
    return presigner(ves, out)


@pytest.fixture(scope="module")
def module_ves(module_out):
    return ves_runner(module_out)


@pytest.fixture(scope="module")
def module_presign(module_ves, module_out):
    """presign(name, *flags) -> a corpus in the module's folder, for the module's tests to share."""
    return presigner(module_ves, module_out)


@pytest.fixture
def k6(request, out, k6_path, k6_version) -> K6:
    """k6(script, *args, server=None, profile=None, env=None, name=None, json_out=False) -> K6Run.

    Runs the real k6 from the repository root against `server` (its URL and receipt key are
    passed), with RESULTS_DIR in this test's folder. `profile` is a test profile of
    tests/e2e/profiles/ (they shadow the shipped ones: "smoke" is the shipped smoke with latency
    bounds in seconds), a shipped profile name, or a path. Extra k6 flags go in `args`; `env`
    adds -e NAME=value pairs. k6.start(...) runs in the background (.wait() gives the K6Run);
    k6.inspect(script, *args, env=) runs `k6 inspect --execution-requirements`. The run is
    recorded so a failing test prints its command and log, and a run whose latency thresholds
    go below 1 s fails the test (latency_guard=False for a test of the threshold mechanism).
    """
    runs: list[K6Run] = request.node.__dict__.setdefault("k6_runs", [])
    return K6(k6_path, k6_version, out, record=runs.append)


@pytest.fixture(scope="module")
def module_k6(module_out, k6_path, k6_version) -> K6:
    """k6 for state shared by a module's tests: runs in the module's folder. A test that judges
    such a run passes it in its assertion message (`assert ..., run`)."""
    return K6(k6_path, k6_version, module_out)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, each k6 run of the test: the command that reproduces it and its telling log lines."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for i, r in enumerate(item.__dict__.get("k6_runs", []), 1):
            report.sections.append((f"k6 run {i}", r.explain()))


__all__ = ["DEVSERVER_ADMIN_KEY", "PROFILES", "THRESHOLDS_FAILED", "free_port", "profile_path"]
