"""SEED: the same SEED, registered key and CREATED_AT send byte-identical bodies (ingest and
probes, whichever VU runs an iteration), and a rerun against the same server gets every event
back as a replay with its original receipt; another SEED sends other events; `ves presign --seed`
(also with --shape mixed = PAYLOAD=mixed) writes the events k6 sends.

One devserver and one registered key for the module: the runs build on each other (the second
run replays the first), so the tests of this file share them (seed_runs)."""
import pytest

import compare_runs
from harness import DEVSERVER_ADMIN_KEY

pytestmark = pytest.mark.xdist_group("seed")
CREATED_AT = "2025-01-01T00:00:00.000Z"
KEY_ID = "4242"


@pytest.fixture(scope="module")
def seed_runs(module_processes, module_k6, module_ves, module_out):
    server = module_processes.devserver()
    seed_file = module_out / "agent.seed"
    done = module_ves("keygen", "--seed-out", seed_file, name="keygen")
    assert done.rc == 0, done
    done = module_ves("register-key", "--url", server.url, "--seed-file", seed_file, "--key-id", KEY_ID,
                      env={"ADMIN_API_KEY": DEVSERVER_ADMIN_KEY}, name="register-key")
    assert done.rc == 0, f"ves register-key failed\n{done}"
    same = {"AGENT_SEED": seed_file.read_text().strip(), "AGENT_KEY_ID": KEY_ID, "CREATED_AT": CREATED_AT, "STREAMS": "1",
            "BATCH_SIZE": "5", "PROBES": "0.5", "RECEIPT_SIG_SAMPLE": "1"}
    runs = {}
    for name, seed, extra in [("first", 5, {}), ("second", 5, {}), ("other", 6, {}), ("shapes", 7, {"PAYLOAD": "mixed"})]:
        runs[name] = module_k6("load/sequencer_ingest.js", "--vus", "2", "--iterations", "8", "--http-debug=full",
                               server=server, profile="short", env={**same, "SEED": str(seed), **extra}, name=f"seed-{name}")
    runs["seed_file"] = seed_file
    return runs


def assert_counts(run, accepted, replayed):
    # Every check passed (the pass rule, replays included), and every threshold (latency in seconds).
    assert run.rc == 0, run
    assert run.metric("checks", "fails") == 0, run
    got = (run.metric("ves_events_accepted"), run.metric("ves_events_replayed"))
    assert got == (accepted, replayed), f"accepted, replayed = {got}, want {(accepted, replayed)}\n{run}"


def test_seed_first_run_accepted(seed_runs):
    assert_counts(seed_runs["first"], 40, 0)


def test_seed_second_run_replayed(seed_runs):
    """The same SEED, key and CREATED_AT again: every event comes back as a replay."""
    assert_counts(seed_runs["second"], 0, 40)


def test_seed_other_seed_accepted(seed_runs):
    assert_counts(seed_runs["other"], 40, 0)


def test_seed_rerun_identical(seed_runs):
    ok, detail = compare_runs.same(seed_runs["first"].log, seed_runs["second"].log)
    assert ok, detail


def test_seed_other_differs(seed_runs):
    ok, detail = compare_runs.differ(seed_runs["first"].log, seed_runs["other"].log)
    assert ok, detail


def presigned(ves, out, name, seed, seed_file, *flags):
    corpus = out / name
    done = ves("presign", "--out", corpus, "--vus", "1", "--batches-per-vu", "8", "--batch-size", "5", "--seed", str(seed),
               "--created-at", CREATED_AT, "--agent-seed-file", seed_file, "--agent-key-id", KEY_ID, *flags, name=name)
    assert done.rc == 0, done
    return corpus


def test_seed_presign_same_events(seed_runs, ves, out):
    """`ves presign --seed` makes the k6 library's events: body b of its one VU is iteration b."""
    corpus = presigned(ves, out, "seed-corpus", 5, seed_runs["seed_file"])
    ok, detail = compare_runs.corpus(corpus, seed_runs["first"].log)
    assert ok, detail


def test_seed_presign_same_shapes(seed_runs, ves, out):
    """The same with payload shapes: `ves presign --shape mixed` = k6 PAYLOAD=mixed (ves_core::shapes = js/payload.js)."""
    run = seed_runs["shapes"]
    assert run.metric("checks", "fails") == 0, run
    corpus = presigned(ves, out, "seed-corpus-mixed", 7, seed_runs["seed_file"], "--shape", "mixed")
    ok, detail = compare_runs.corpus(corpus, run.log)
    assert ok, f"k6 exit {run.rc}; {detail}"
