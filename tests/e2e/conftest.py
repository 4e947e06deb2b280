"""Fixtures of the end-to-end suite: real processes (harness.py), one results folder per test.

    def test_something(devserver, k6):
        server = devserver("--fault", "bad_receipt_hash=20")
        run = k6("load/sequencer_ingest.js", server=server, profile="short")
        assert run.rc == THRESHOLDS_FAILED, run
        assert run.metric("ves_receipts_invalid") > 0, run

A failing test prints, for each k6 run it made, the command that reproduces it and the log
lines that explain it (pytest_runtest_makereport below).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import (DEVSERVER_ADMIN_KEY, REPO, Devserver, K6Run, Signer, binary, free_port, k6_binary, run)

RESULTS = REPO / "results" / "e2e"
PROFILES = Path(__file__).resolve().parent / "profiles"


@pytest.fixture(scope="session")
def k6_path() -> str:
    return k6_binary()


@pytest.fixture(scope="session")
def k6_version(k6_path) -> str:
    import subprocess
    return subprocess.run([k6_path, "version"], capture_output=True, text=True).stdout.splitlines()[0]


@pytest.fixture
def out(request) -> Path:
    """This test's folder: results/e2e/<test name>/ (emptied first)."""
    import shutil
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    path = RESULTS / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def devserver(out):
    """devserver(*flags, data=None) -> a started Devserver; every one is stopped after the test."""
    started: list[Devserver] = []

    def start(*flags: str, data: Path | None = None, port: int | None = None) -> Devserver:
        d = Devserver(out, *flags, data=data, port=port)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def signer(out):
    """signer(*flags) -> a started `ves signer`; stopped after the test."""
    started: list[Signer] = []

    def start(*flags: str) -> Signer:
        s = Signer(out, *flags)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def ves(out):
    """ves(*args, env=None, name=None) -> Completed: the `ves` CLI run to completion."""
    count = [0]

    def call(*args, env: dict | None = None, name: str | None = None, timeout: float = 600):
        count[0] += 1
        log = out / f"{name or 'ves-' + str(args[0]) + '-' + str(count[0])}.log"
        return run([binary("ves"), *args], log, env=env, timeout=timeout)

    return call


@pytest.fixture
def presign(ves, out):
    """presign(name, *flags) -> Path of a `ves presign` corpus in this test's folder."""

    def make(name: str, *flags: str) -> Path:
        corpus = out / name
        done = ves("presign", "--out", corpus, *flags, name=f"presign-{name}")
        assert done.rc == 0, f"ves presign failed:\n$ {done.command}\n{done.output[-2000:]}"
        return corpus

    return make


def profile_path(profile: str) -> str:
    """A test profile by name (tests/e2e/profiles/<name>.json), or a shipped name or a path as given."""
    p = PROFILES / f"{profile}.json"
    return str(p.relative_to(REPO)) if p.is_file() else profile


@pytest.fixture
def k6(request, out, k6_path, k6_version):
    """k6(script, *args, server=None, profile=None, env=None, name=None, json_out=False) -> K6Run.

    Runs the real k6 from the repository root against `server` (its URL and receipt key are
    passed), with RESULTS_DIR in this test's folder. `profile` is a test profile of
    tests/e2e/profiles/, a shipped profile name, or a path. Extra k6 flags go in `args`; `env`
    adds -e NAME=value pairs. The run is recorded so a failing test prints its command and log.
    """
    runs: list[K6Run] = request.node.__dict__.setdefault("k6_runs", [])

    def call(script: str, *args: str, server: Devserver | None = None, profile: str | None = None,
             env: dict | None = None, name: str | None = None, json_out: bool = False,
             proc_env: dict | None = None, timeout: float = 600) -> K6Run:
        scenario = Path(script).stem
        name = name or f"{scenario}-{len(runs) + 1}"
        results = out / name
        results.mkdir(parents=True, exist_ok=True)
        e = {"RESULTS_DIR": str(results), "K6_VERSION": k6_version}
        if server is not None:
            e.update(SEQUENCER_BASE_URL=server.url, SEQUENCER_PUBLIC_KEY=server.pubkey)
        if profile is not None:
            e["PROFILE"] = profile_path(profile)
        e.update(env or {})
        argv = [k6_path, "run", "-a", "127.0.0.1:0", "--no-usage-report"]
        for k, v in e.items():
            argv += ["-e", f"{k}={v}"]
        json_path = None
        if json_out:
            json_path = out / f"{name}.json"
            argv += ["--out", f"json={json_path}"]
        argv += [*args, script]
        done = run(argv, out / f"{name}.log", env=proc_env, timeout=timeout)
        k = K6Run(done.argv, done.rc, done.output, done.log, done.env, results_dir=results, scenario=scenario, json_out=json_path)
        runs.append(k)
        return k

    return call


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, each k6 run of the test: the command that reproduces it and its telling log lines."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for i, r in enumerate(item.__dict__.get("k6_runs", []), 1):
            report.sections.append((f"k6 run {i}", r.explain()))


__all__ = ["DEVSERVER_ADMIN_KEY", "free_port"]
