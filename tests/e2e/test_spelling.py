"""Number spelling and replays, as a real sequencer showed them (LIVE_OBSERVED.md section 10).

A real sequencer compares a re-sent payload with its stored copy as parsed JSON values after a
PostgreSQL JSONB round trip, where `7` and `7.0` differ: an exact replay of a whole float of
1e16 or more is refused, and so is any re-send spelled otherwise than its first send. The
devserver's fault `replay_spelling` models that rule (crates/ves-devserver/src/jsonb.rs); without
it the devserver judges a replay by its signing hash and canonical payload, so every spelling
replays. These cases replace the old bash case `replay-rate-floats` (fault
`replay_float_refused`, a guessed rule the real server does not follow).

- live ingest, SPELLING=varied REPLAY_RATE=0.2 PAYLOAD=floats: a clean devserver passes (every
  re-send, in another spelling, answered with its original receipts); under replay_spelling the
  run fails on ves_replay_violations{kind:respelled}, and the log names the event and the first
  value spelled differently, both ways;
- live ingest, SPELLING=canonical: nothing to find under replay_spelling, as on the real server
  (k6 writes whole numbers below 1e21 as digits);
- the replay scenario, a canonical corpus then the varied corpus of the same seed: every event
  of the second pass is a replay (clean); under replay_spelling the second pass is refused.
"""
import re

from harness import THRESHOLDS_FAILED

PROFILE = "short"
LIVE = {"PROBES": "0", "REPLAY_RATE": "0.2", "PAYLOAD": "floats", "SEED": "19"}


def replay_requests(run, respelled: str) -> int:
    """Ingest requests of a run that were re-sends, respelled or not (tag respelled)."""
    return sum(1 for p in run.points("http_reqs") if p["data"]["tags"].get("replay") == "true"
               and p["data"]["tags"].get("respelled") == respelled)


def test_varied_replays_pass_on_a_clean_devserver(devserver, k6):
    server = devserver()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE, json_out=True,
             env=dict(LIVE, SPELLING="varied"))
    assert run.passed, run
    assert run.metric("ves_events_replayed") > 0, run
    assert run.metric("ves_replay_violations") == 0, run
    # Every re-send was in another spelling than its first send.
    assert replay_requests(run, "true") > 0 and replay_requests(run, "false") == 0, run


def test_varied_replays_fail_under_the_real_servers_rule(devserver, k6):
    server = devserver("--fault", "replay_spelling")
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE,
             env=dict(LIVE, SPELLING="varied"))
    assert run.rc == THRESHOLDS_FAILED and run.verdict.get("result") == "FAIL", run
    respelled = run.metric("ves_replay_violations{kind:respelled}")
    assert respelled and respelled > 0, run
    assert run.metric("ves_replay_violations") == respelled, run
    # The fault refuses replays only: new events and receipts are fine.
    assert run.metric("ves_events_rejected") == 0 and run.metric("ves_receipts_invalid") == 0, run
    # The summary breaks the counter down by kind; the log names the event and both spellings.
    assert re.search(rf"ves_replay_violations = {int(respelled)} \(must be 0\): respelled={int(respelled)}", run.output), run
    assert re.search(r"replay violation \(respelled\): re-sending accepted event [0-9a-f-]{36} in another spelling "
                     r"\(SPELLING=varied, attempt \d+\) got duplicate_event_id: Event ID already exists with different contents; "
                     r"the first value spelled differently: payload\.\S+, first sent as \S+, re-sent as \S+; its payload: \{",
                     run.output), run


def test_varied_replays_through_ves_signer(devserver, signer, k6):
    """The signer writes the varied first sends (content slots); k6 re-spells the re-sends."""
    clean = devserver()
    s = signer()
    run = k6("load/sequencer_ingest.js", server=clean, profile=PROFILE, name="clean",
             env=dict(LIVE, SPELLING="varied", SIGNER_URL=s.url))
    assert run.passed, run
    assert run.metric("ves_events_replayed") > 0 and run.metric("ves_replay_violations") == 0, run
    faulty = devserver("--fault", "replay_spelling")
    run = k6("load/sequencer_ingest.js", server=faulty, profile=PROFILE, name="replay_spelling",
             env=dict(LIVE, SPELLING="varied", SIGNER_URL=s.url))
    assert run.rc == THRESHOLDS_FAILED, run
    assert run.metric("ves_replay_violations{kind:respelled}") > 0, run
    assert run.metric("ves_events_rejected") == 0, run


def test_canonical_replays_find_nothing_under_the_real_servers_rule(devserver, k6):
    server = devserver("--fault", "replay_spelling")
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE, json_out=True,
             env=dict(LIVE, SPELLING="canonical"))
    assert run.passed, run
    assert run.metric("ves_events_replayed") > 0, run
    assert run.metric("ves_replay_violations") == 0, run
    assert replay_requests(run, "false") > 0 and replay_requests(run, "true") == 0, run


def corpora(presign, out):
    """A canonical corpus and the varied corpus of the same seed, key and created_at."""
    key = out / "agent.seed"
    key.write_text("42" * 32 + "\n")
    key.chmod(0o600)
    common = ["--vus", "2", "--batches-per-vu", "3", "--batch-size", "20", "--shape", "floats", "--seed", "7",
              "--agent-seed-file", str(key), "--created-at", "2025-06-01T12:00:00.000Z"]
    canonical = presign("canonical", *common)
    varied = presign("varied", *common, "--spelling", "varied")
    return canonical, varied


def test_replay_scenario_canonical_then_varied_corpus_all_replays(devserver, k6, presign, out):
    server = devserver()
    canonical, varied = corpora(presign, out)
    first = k6("load/sequencer_replay.js", server=server, profile="seconds", env={"REPLAY_DIR": str(canonical)}, name="canonical")
    assert first.passed, first
    assert first.metric("ves_events_accepted") == 120, first
    head = server.get("/api/v1/head?tenant_id=00000000-0000-0000-0000-000000000000&store_id=00000000-0000-0000-0000-000000000000")
    second = k6("load/sequencer_replay.js", server=server, profile="seconds", env={"REPLAY_DIR": str(varied)}, name="varied")
    assert second.passed, second
    # Every event of the second pass came back as a replay whose receipt verifies, none new,
    # none renumbered (above the head) and the stream did not move. (That the receipt is the
    # stored one, byte for byte, is tests/ingest.rs every_spelling_of_an_event_replays_with_its_receipt.)
    assert second.metric("ves_events_replayed") == 120, second
    assert second.metric("ves_events_accepted") == 0, second
    assert second.metric("ves_replay_violations") == 0, second
    assert server.get("/api/v1/head?tenant_id=00000000-0000-0000-0000-000000000000&store_id=00000000-0000-0000-0000-000000000000") == head


def test_replay_scenario_varied_corpus_refused_under_the_real_servers_rule(devserver, k6, presign, out):
    server = devserver("--fault", "replay_spelling")
    canonical, varied = corpora(presign, out)
    first = k6("load/sequencer_replay.js", server=server, profile="seconds", env={"REPLAY_DIR": str(canonical)}, name="canonical")
    assert first.passed, first
    # The canonical corpus again: exact replays of digits-only whole numbers, all answered.
    again = k6("load/sequencer_replay.js", server=server, profile="seconds", env={"REPLAY_DIR": str(canonical)}, name="canonical-again")
    assert again.passed, again
    assert again.metric("ves_events_replayed") == 120, again
    # Its varied spelling: refused as "different contents" where a number changed its type.
    second = k6("load/sequencer_replay.js", server=server, profile="seconds", env={"REPLAY_DIR": str(varied)}, name="varied")
    assert second.rc == THRESHOLDS_FAILED, second
    refused = second.metric("ves_replay_violations{kind:refused}")
    assert refused and refused > 0, second
    assert second.metric("ves_events_rejected") == 0, second
    assert re.search(r"replay violation \(refused\): event [0-9a-f-]{36}, sent before .*, was refused: "
                     r"duplicate_event_id", second.output), second
