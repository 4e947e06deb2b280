"""The smoke profile of every scenario passes against a clean devserver, with every check on (the
mixed one with --out json, as the Docker CI example examples/ci/github-actions-load-test.yml
runs it), the summary records the run, and a `ves presign` corpus replays, twice: the second
time as idempotent replays.

profile="smoke" is tests/e2e/profiles/smoke.json: the shipped smoke profile (load, env, mixed
rates) with latency bounds in seconds."""
import re

import pytest

SCENARIOS = ["sequencer_ingest", "sequencer_query", "mixed_workload"]
pytestmark = pytest.mark.xdist_group("smoke")


@pytest.fixture(scope="module")
def smoke(module_processes, module_k6):
    """smoke(scenario) -> the K6Run of its smoke profile, run once per module against one devserver."""
    server = module_processes.devserver()
    done = {}

    def get(scenario):
        if scenario not in done:
            json_out = scenario == "mixed_workload"
            done[scenario] = module_k6(f"load/{scenario}.js", server=server, profile="smoke", name=f"smoke-{scenario}",
                                       json_out=json_out)
        return done[scenario]

    return get


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_smoke_passes(scenario, smoke):
    run = smoke(scenario)
    assert run.passed, run
    # Receipt signatures were checked (the devserver's key is passed), and the verdict says so.
    # (query: one setup batch per stream, too few receipts for the 1 % sample; the field is there.)
    assert re.search(r"signatures_checked=\d+ receipts_checked=\d+ result=", run.output), run
    if scenario != "sequencer_query":
        assert int(run.verdict["signatures_checked"]) > 0, run
    if scenario == "mixed_workload":  # the CI example's --out json
        assert run.json_out.stat().st_size > 0, f"--out json wrote nothing\n{run}"


def test_smoke_run_recorded(smoke):
    """The smoke profile runs ingest with one writer per stream, and the summary records the run."""
    run = smoke("sequencer_ingest")
    v = run.summary["ves"]
    assert v["streams"] == "per-vu", v
    assert isinstance(v["seed"], int), v
    assert v["profile"].endswith("tests/e2e/profiles/smoke.json (extends smoke)"), v
    assert v["k6Version"].startswith("k6 v1."), v
    assert v["interBatchGaps"].startswith("per-vu"), v
    assert run.has(r"ves-k6: SEED=[0-9]* \(drawn"), run


def test_smoke_mixed_gaps_stated(smoke):
    """The mixed workload's shared streams: the summary says gaps are checked by the committer only."""
    gaps = smoke("mixed_workload").summary["ves"]["interBatchGaps"]
    assert "checked only by the committer" in gaps, gaps


@pytest.fixture(scope="module")
def replays(module_processes, module_k6, module_presign):
    """A corpus signed by `ves presign`, sent twice to one devserver.

    Paced (--rps) and 40 requests: a corpus replays as fast as the server answers; the latency
    thresholds stay on, in seconds (profiles/seconds.json)."""
    corpus = module_presign("corpus", "--vus", "2", "--batches-per-vu", "20", "--batch-size", "25", "--streams", "2", "--seed", "7")
    server = module_processes.devserver()
    return [module_k6("load/sequencer_replay.js", "--rps", "10", server=server, profile="seconds", name=f"replay-{n}",
                      env={"REPLAY_DIR": corpus, "RECEIPT_SIG_SAMPLE": "0.2"}) for n in ("first", "second")]


def test_replay_corpus_first_pass_accepted(replays):
    run = replays[0]
    assert run.rc == 0 and run.has("result=PASS"), run
    assert run.metric("ves_events_accepted") == 1000, run


def test_replay_corpus_second_pass_replayed(replays):
    """Sent again, every event comes back as an idempotent replay with its original receipt."""
    assert replays[0].rc == 0, replays[0]
    run = replays[1]
    assert run.rc == 0 and run.has("result=PASS"), run
    assert run.metric("ves_events_accepted") == 0, run
    assert run.has("were sequenced before"), run
