"""What the kit prints is what happens: the demo's banner is the command that runs, a run names its
k6 version without being told, and a run that cannot reach its sequencer says so once."""
import os
import re
import shlex
import subprocess

import pytest

from harness import REPO, Devserver, free_port

STOPPED_ITSELF = 108  # k6's exit code when the test aborted itself (exec.test.abort)


def test_unreachable_server_prints_its_error_once(k6):
    url = f"http://127.0.0.1:{free_port()}"
    run = k6("load/sequencer_ingest.js", profile="short", env={"SEQUENCER_BASE_URL": url})
    assert run.rc == STOPPED_ITSELF, run
    # The kit's message once (k6's "test aborted:" line), not also as a console error.
    assert run.output.count(f"cannot reach the sequencer at {url}") == 1, run.output
    assert "test aborted: ves-k6: cannot reach the sequencer" in run.output, run.output
    # No table of empty metrics, no SEED=null: one line saying no load ran, then the verdict.
    assert "METRICS" not in run.output and "SEED=null" not in run.output, run.output
    assert "no load ran: setup() did not complete" in run.output, run.output
    assert run.verdict.get("result") == "FAIL", run
    junit = (run.results_dir / "sequencer_ingest-junit.xml").read_text()
    assert 'name="setup() completed"><failure' in junit, junit


def test_k6_version_comes_from_the_user_agent(devserver, k6, k6_version):
    server = devserver()
    run = k6("load/sequencer_ingest.js", "--iterations", "2", "--vus", "1", server=server,
             profile="short", env={"K6_VERSION": ""})
    assert run.verdict.get("rejected") == "0" and int(run.verdict.get("accepted", 0)) > 0, run
    version = re.search(r"k6 (v\d+\.\d+\.\d+)", k6_version).group(1)  # `k6 version`: "k6 v1.1.0 (…)"
    assert run.summary["ves"]["k6Version"] == version, run.summary["ves"]
    assert f"k6={version}" in run.output and "k6=unknown" not in run.output, run


# scripts/demo.sh writes into the repository's results/ (the devserver's data and key in
# results/demo-devserver): the demo tests run one after the other, on one worker, or one demo
# replaces the key the other is checking.
DEMO = pytest.mark.xdist_group("demo")


def demo(out, name, **env):
    """scripts/demo.sh (make demo) on free ports: (exit code, output, the banner's command)."""
    log = out / f"{name}.log"
    full = dict(os.environ, DEMO_PORT=str(free_port()), **env)
    with open(log, "w") as f:
        rc = subprocess.run(["scripts/demo.sh"], cwd=REPO, env=full, stdout=f, stderr=subprocess.STDOUT, timeout=900).returncode
    output = log.read_text()
    lines = output.splitlines()
    heading = next(i for i, l in enumerate(lines) if l.startswith("== the mixed workload's smoke profile"))
    return rc, output, lines[heading + 1].strip(), full["DEMO_PORT"]


@DEMO
def test_demo_banner_is_the_command_that_runs(out):
    rc, output, banner, port = demo(out, "demo")
    argv = shlex.split(banner)
    key = (REPO / "results/demo-devserver/sequencer.pub").read_text().strip()
    k6 = argv[0] if argv[0].startswith("/") else REPO / argv[0]
    assert argv[1] == "run" and os.access(k6, os.X_OK), banner
    assert f"SEQUENCER_BASE_URL=http://127.0.0.1:{port}" in argv and f"SEQUENCER_PUBLIC_KEY={key}" in argv, banner
    assert argv[-1] == "load/mixed_workload.js", banner
    assert "k6=unknown" not in output and "ves-verdict:" in output, output[-3000:]
    assert "k6 run -e PROFILE=smoke load/sequencer_ingest.js" in output, "the demo names the README's next command"
    # Copied as printed, against the same devserver (same data folder, so the same key), it runs.
    server = Devserver(out, data=REPO / "results/demo-devserver", port=int(port))
    try:
        with open(out / "banner-rerun.log", "w") as f:
            subprocess.run(["bash", "-c", banner], cwd=REPO, stdout=f, stderr=subprocess.STDOUT, timeout=300)
    finally:
        server.stop()
    rerun = (out / "banner-rerun.log").read_text()
    verdict = dict(kv.split("=", 1) for kv in re.findall(r"ves-verdict: (.*)", rerun)[-1].split())
    assert int(verdict["accepted"]) > 0 and int(verdict["signatures_checked"]) > 0, rerun[-3000:]
    assert verdict["rejected"] == verdict["receipts_invalid"] == verdict["proofs_failed"] == "0", rerun[-3000:]


@DEMO
def test_demo_signer_banner_names_the_signer(out):
    signer_port = str(free_port())
    rc, output, banner, port = demo(out, "demo-signer", SIGNER="1", SIGNER_PORT=signer_port)
    assert f"SIGNER_URL=http://127.0.0.1:{signer_port}" in shlex.split(banner), banner
    assert "ves-verdict:" in output and "k6=unknown" not in output, output[-3000:]
