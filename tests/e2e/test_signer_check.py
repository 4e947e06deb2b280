"""`ves signer` checks the sequencer's answers (docs/SIGNER.md, "Checking answers").

With SIGNER_URL (and SIGNER_CHECK, on by default) k6 hands every ingest answer to the signer
unparsed and applies its verdict: a broken sequencer fails the k6 run itself, the log names the
event and says that the signer's verdict found it; a correct one passes with every receipt
checked. The same for a replayed corpus, whose signing hashes the signer reads itself.
"""
import re

import pytest

from harness import THRESHOLDS_FAILED

PROFILE = "signer-check"  # tests/e2e/profiles/signer-check.json: the smoke mix, latency bounds in seconds
FROM_SIGNER = "ves signer's verdict: "
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Only the signer's checks: no probes, invalid events or replays unless a test asks.
PLAIN = {"PROBES": "0", "INVALID_RATE": "0", "REPLAY_RATE": "0", "RECEIPT_CHECK": "1"}


def count(run, name):
    value = run.metric(name)
    return 0 if value is None else int(value)


def others(run, *names):
    return {n: count(run, n) for n in names}


def test_bad_receipt_hash_fails_the_run_from_the_signers_verdict(devserver, signer, k6):
    server = devserver("--fault", "bad_receipt_hash=20")
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE, env={**PLAIN, "SIGNER_URL": s.url})
    assert run.rc == THRESHOLDS_FAILED, run
    assert run.verdict.get("result") == "FAIL", run
    assert count(run, "ves_receipts_invalid") > 0, run
    # The signer checked every receipt; k6 none.
    assert count(run, "ves_receipts_checked_by_signer") == count(run, "ves_receipts_checked") > 0, run
    m = re.search(rf"{re.escape(FROM_SIGNER)}invalid receipt of event ({UUID}): receipt_hash_mismatch: server [0-9a-f]{{64}}, local [0-9a-f]{{64}}", run.output)
    assert m, run
    assert others(run, "ves_events_rejected", "ves_sequence_anomalies", "ves_replay_violations") == dict.fromkeys(
        ["ves_events_rejected", "ves_sequence_anomalies", "ves_replay_violations"], 0), run
    assert (s.metric("ves_signer_check_failures_total") or 0) > 0


def test_bad_receipt_signature_fails_the_run_from_the_signers_verdict(devserver, signer, k6):
    server = devserver("--fault", "bad_receipt_signature=20")
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE,
             env={**PLAIN, "SIGNER_URL": s.url, "RECEIPT_SIG_SAMPLE": "1"})
    assert run.rc == THRESHOLDS_FAILED, run
    assert count(run, "ves_receipts_invalid") > 0, run
    # Every signature was verified (RECEIPT_SIG_SAMPLE=1), by the signer.
    assert count(run, "ves_receipt_signatures_checked") == count(run, "ves_receipts_checked_by_signer") > 0, run
    assert re.search(rf"{re.escape(FROM_SIGNER)}invalid receipt of event {UUID}: bad_sequencer_signature", run.output), run


def test_a_signature_fault_outside_the_sample_goes_unseen_in_the_run(devserver, signer, k6):
    """The control of the test above: the verdict depends on the sample, not on luck elsewhere."""
    server = devserver("--fault", "bad_receipt_signature=20")
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE,
             env={**PLAIN, "SIGNER_URL": s.url, "RECEIPT_SIG_SAMPLE": "0"})
    assert run.passed, run
    assert count(run, "ves_receipt_signatures_checked") == 0, run


def test_the_smoke_mix_passes_with_every_answer_checked_by_the_signer(devserver, signer, k6):
    server = devserver()
    s = signer()
    for script in ["load/sequencer_ingest.js", "load/mixed_workload.js"]:
        run = k6(script, server=server, profile=PROFILE, env={"SIGNER_URL": s.url})
        assert run.passed, run
        assert count(run, "ves_invalid_rejected") > 0, run
        accepted, replayed = count(run, "ves_events_accepted"), count(run, "ves_events_replayed")
        assert replayed > 0, run
        # Every answered event's receipt was checked, by the signer: replays compared whole.
        checked = count(run, "ves_receipts_checked")
        assert checked == count(run, "ves_receipts_checked_by_signer") == accepted + replayed, run
        assert f"receipts checked: {checked} of {checked} (100.0 %), {checked} by ves signer" in run.output, run
    assert (s.metric("ves_signer_answers_checked_total") or 0) > 0


@pytest.mark.parametrize("fault,who,text", [
    # Inside one answer: the numbering is the signer's to judge.
    ("skip_sequence=110", "signer", f"{FROM_SIGNER}sequence anomaly in stream 0: .*receipts not consecutive"),
    ("duplicate_sequence=100", "signer", f"{FROM_SIGNER}sequence anomaly in stream 0: .*receipts not consecutive"),
    # Between two answers of one writer (STREAMS=per-vu): k6's own ledger judges it.
    ("skip_sequence=101", "k6", "sequence anomaly between batches in stream 0 .*this one starts at 102"),
])
def test_numbering_faults_fail_the_run_inside_answers_by_the_signer_and_across_them_by_k6(fault, who, text, devserver, signer, k6):
    server = devserver("--fault", fault)
    s = signer()
    # One VU: stream 0 is numbered 1-20, 21-40, ... (batches of 20), so the faults fall where named.
    run = k6("load/sequencer_ingest.js", "--vus", "1", server=server, profile=PROFILE, env={**PLAIN, "SIGNER_URL": s.url})
    assert run.rc == THRESHOLDS_FAILED, run
    assert count(run, "ves_sequence_anomalies") > 0, run
    assert re.search(text, run.output), run
    assert count(run, "ves_receipts_checked_by_signer") > 0, run


def test_an_invalid_event_accepted_fails_on_its_metric_through_the_signer(devserver, signer, k6):
    server = devserver("--fault", "accept_invalid_signature")
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE,
             env={**PLAIN, "SIGNER_URL": s.url, "INVALID_RATE": "0.2", "INVALID_KINDS": "bad_signature"})
    assert run.rc == THRESHOLDS_FAILED, run
    assert count(run, "ves_invalid_accepted") > 0, run
    assert others(run, "ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies") == dict.fromkeys(
        ["ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies"], 0), run
    assert re.search(rf"{re.escape(FROM_SIGNER)}invalid event {UUID} \(bad_signature\) was not refused with its reason: accepted", run.output), run


def test_a_broken_replay_fails_on_its_metric_through_the_signer(devserver, signer, k6):
    server = devserver("--fault", "replay_broken")
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE,
             env={**PLAIN, "SIGNER_URL": s.url, "REPLAY_RATE": "0.5"})
    assert run.rc == THRESHOLDS_FAILED, run
    assert count(run, "ves_replay_violations") > 0, run
    assert others(run, "ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies") == dict.fromkeys(
        ["ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies"], 0), run
    assert re.search(rf"{re.escape(FROM_SIGNER)}replay violation \((refused|new_sequence)\): re-sending accepted event {UUID} byte for byte got .*its payload: {{", run.output), run


def test_answers_the_signer_no_longer_holds_are_checked_in_k6(devserver, signer, k6):
    """--check-batches 1 with 4 VUs: a VU's batch is dropped when another VU signs before its
    answer is checked; the signer answers 404 unknown_handle and k6 checks that answer itself."""
    server = devserver()
    s = signer("--check-batches", "1")
    run = k6("load/sequencer_ingest.js", "--vus", "4", server=server, profile=PROFILE, env={**PLAIN, "SIGNER_URL": s.url})
    assert run.passed, run
    assert (s.metric("ves_signer_unknown_handles_total") or 0) > 0, "no batch was dropped: the test proves nothing"
    assert "no longer held batch" in run.output, run
    accepted, checked = count(run, "ves_events_accepted"), count(run, "ves_receipts_checked")
    assert checked == accepted > count(run, "ves_receipts_checked_by_signer"), run


def test_signer_check_0_leaves_the_checks_in_k6(devserver, signer, k6):
    server = devserver()
    s = signer()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE, env={"SIGNER_URL": s.url, "SIGNER_CHECK": "0"})
    assert run.passed, run
    assert count(run, "ves_receipts_checked_by_signer") == 0, run
    assert (s.metric("ves_signer_answers_checked_total") or 0) == 0
    assert re.search(r"receipts checked in k6: (\d+) of \1 \(100\.0 %\)", run.output), run


def test_replays_count_as_checked_in_k6_once_compared_whole(devserver, k6):
    """Without a signer: the receipts line counts each replay, compared whole with its original."""
    server = devserver()
    run = k6("load/sequencer_ingest.js", server=server, profile=PROFILE, env={**PLAIN, "REPLAY_RATE": "0.3"})
    assert run.passed, run
    accepted, replayed = count(run, "ves_events_accepted"), count(run, "ves_events_replayed")
    assert replayed > 0, run
    assert f"receipts checked in k6: {accepted + replayed} of {accepted + replayed} (100.0 %)" in run.output, run


def test_a_replayed_corpus_is_checked_by_the_signer_from_its_hashes(devserver, signer, presign, k6):
    corpus = presign("corpus", "--vus", "2", "--batches-per-vu", "5", "--batch-size", "20", "--seed", "7")
    server = devserver()
    s = signer()
    env = {"SIGNER_URL": s.url, "REPLAY_DIR": str(corpus)}
    # Latency thresholds are the script's own (milliseconds): left out; the verdict judges.
    first = k6("load/sequencer_replay.js", "--no-thresholds", server=server, env=env, name="first")
    assert first.passed, first
    assert count(first, "ves_events_accepted") == 200, first
    assert count(first, "ves_receipts_checked_by_signer") == 200, first
    # Sent again: every event comes back as a replay, checked by the signer too.
    second = k6("load/sequencer_replay.js", "--no-thresholds", server=server, env=env, name="second")
    assert second.passed, second
    assert count(second, "ves_events_replayed") == count(second, "ves_receipts_checked_by_signer") == 200, second


def test_a_bad_receipt_of_a_replayed_corpus_is_found_by_the_signer(devserver, signer, presign, k6):
    corpus = presign("corpus", "--vus", "2", "--batches-per-vu", "5", "--batch-size", "20", "--seed", "8")
    server = devserver("--fault", "bad_receipt_hash=50")
    s = signer()
    run = k6("load/sequencer_replay.js", "--no-thresholds", server=server, env={"SIGNER_URL": s.url, "REPLAY_DIR": str(corpus)})
    assert run.verdict.get("result") == "FAIL", run
    assert count(run, "ves_receipts_invalid") == 4, run  # receipts 50, 100, 150, 200
    assert re.search(rf"{re.escape(FROM_SIGNER)}invalid receipt of event {UUID}: receipt_hash_mismatch", run.output), run


def test_the_receipts_log_of_a_signer_checked_run_is_audited_in_full(devserver, signer, ves, k6, out):
    """k6 never parses the answers: its receipts log carries them as the sequencer sent them (v2),
    and `ves audit` proves every acknowledged event, replays and invalid events included."""
    server = devserver()
    s = signer()
    log = out / "receipts.log"
    run = k6("load/sequencer_ingest.js", f"--log-output=file={log}", server=server, profile=PROFILE,
             env={"SIGNER_URL": s.url, "RECEIPTS_LOG": "1"})
    assert run.passed, run
    accepted = count(run, "ves_events_accepted")
    assert accepted > 0 and count(run, "ves_receipts_checked_by_signer") > 0, run
    assert '{\\"v\\":2' in log.read_text(), "the log holds v2 lines (answers not parsed in k6)"
    audit = ves("audit", "--url", server.url, "--commit", "--receipts", log, env={"API_KEY": "ss_local_devserver_admin_key"})
    last = [l for l in audit.output.splitlines() if l.startswith("audit:")][-1:]
    assert audit.rc == 0, f"{audit.command}\n{audit.output[-3000:]}"
    assert last and f" {accepted}/{accepted} acknowledged" in last[0] and "result=PASS" in last[0], last
