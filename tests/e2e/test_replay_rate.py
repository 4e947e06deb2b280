"""Deliberate replays (REPLAY_RATE): a share of accepted batches is re-sent byte for byte later in
the run and must get its original receipts back. A devserver that breaks idempotency
(replay_broken: refused as "different contents", or renumbered) fails the run on
ves_replay_violations alone; so does the replay scenario re-sending a corpus to it."""
import pytest

from harness import THRESHOLDS_FAILED

REPLAYS = {"PROBES": "0", "REPLAY_RATE": "0.1"}
OTHERS = ("ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies", "ves_invalid_accepted")


def assert_only_replay_violations(run, want=None):
    """Exit 99 on ves_replay_violations (exactly `want` of them when given), no other correctness counter."""
    violations = run.metric("ves_replay_violations")
    assert run.rc == THRESHOLDS_FAILED, run
    if want is None:
        assert violations and violations > 0, f"ves_replay_violations={violations}\n{run}"
    else:
        assert violations == want, f"ves_replay_violations={violations} (want {want})\n{run}"
    others = run.counters(*OTHERS)
    assert all(v == 0 for v in others.values()), f"{others}\n{run}"


def test_replay_rate_clean(devserver, k6):
    run = k6("load/sequencer_ingest.js", server=devserver(), profile="short", env={**REPLAYS, "PAYLOAD": "floats"})
    replayed, violations = run.metric("ves_events_replayed"), run.metric("ves_replay_violations")
    assert run.rc == 0 and run.has("result=PASS"), run
    assert replayed and replayed > 0, f"replayed={replayed}\n{run}"
    assert violations == 0, f"violations={violations}\n{run}"


def test_replay_rate_broken_idempotency_fails_run(devserver, k6):
    run = k6("load/sequencer_ingest.js", server=devserver("--fault", "replay_broken=1"), profile="short", env=REPLAYS)
    assert_only_replay_violations(run)
    assert run.has("result=FAIL"), run
    # Each kind is named once, with the event id and the payload that triggered it.
    for kind in ("refused", "new_sequence"):
        assert run.has(rf"replay violation \({kind}\): re-sending accepted event [0-9a-f-]* .*its payload: {{"), f"{kind}\n{run}"


@pytest.fixture
def broken_corpus(devserver, presign):
    return devserver("--fault", "replay_broken=1"), presign("replay-corpus", "--vus", "1", "--batches-per-vu", "4",
                                                              "--batch-size", "10", "--seed", "9")


def replay_twice(k6, server, corpus, passes):
    return [k6("load/sequencer_replay.js", server=server, profile="seconds", env={"REPLAY_DIR": corpus},
               name=f"replay-broken-{n}") for n in ("first", "second")[:passes]]


def test_replay_broken_corpus_first_pass_clean(broken_corpus, k6):
    first, = replay_twice(k6, *broken_corpus, passes=1)
    assert first.rc == 0, first
    assert first.metric("ves_replay_violations") == 0, first


def test_replay_broken_corpus_second_pass_violations(broken_corpus, k6):
    """Replays refused as "different contents" and renumbered, in turn: all 40 are violations, none a rejected event."""
    first, second = replay_twice(k6, *broken_corpus, passes=2)
    assert first.rc == 0, first
    assert_only_replay_violations(second, want=40)
    assert second.has(r"replay violation \(refused\): event .*different contents.*its payload: {"), second
    assert second.has(r"replay violation \(new_sequence\): event .*above the stream's head"), second
