"""A devserver with a test fault (crates/ves-devserver/src/faults.rs) makes the run fail: exit 99,
result=FAIL, on the metric that names the fault, and the log says what happened."""
import pytest

from harness import THRESHOLDS_FAILED

# A skipped number inside a batch and between two batches (STREAMS=per-vu, batches of 20: each
# VU's stream numbers its batches 1-20, 21-40, …, so 110 falls inside one and 101 starts one).
PER_VU = {"STREAMS": "per-vu", "BATCH_SIZE": "20", "PROBES": "0"}


def fault_run(devserver, k6, fault, script, env=None):
    server = devserver("--fault", fault)
    return k6(f"load/{script}.js", server=server, profile="short", env=env, name=f"fault-{fault.split('=')[0]}")


def assert_fails_on(run, metric, stat="count"):
    assert run.rc == THRESHOLDS_FAILED, run
    assert run.has("result=FAIL"), run
    value = run.metric(metric, stat)
    assert value is not None and value > 0, f"{metric}.{stat}={value}\n{run}"


def test_bad_receipt_hash_fails_run(devserver, k6):
    run = fault_run(devserver, k6, "bad_receipt_hash=20", "sequencer_ingest")
    assert_fails_on(run, "ves_receipts_invalid")


def test_bad_receipt_signature_fails_run(devserver, k6):
    run = fault_run(devserver, k6, "bad_receipt_signature=20", "sequencer_ingest", env={"RECEIPT_SIG_SAMPLE": "1"})
    assert_fails_on(run, "ves_receipts_invalid")


def test_skip_sequence_inside_batch_fails_run(devserver, k6):
    run = fault_run(devserver, k6, "skip_sequence=110", "sequencer_ingest", env=PER_VU)
    assert_fails_on(run, "ves_sequence_anomalies")
    assert run.has("receipts not consecutive"), run


def test_skip_sequence_between_batches_fails_run(devserver, k6):
    run = fault_run(devserver, k6, "skip_sequence=101", "sequencer_ingest", env=PER_VU)
    assert_fails_on(run, "ves_sequence_anomalies")
    assert run.has("between batches in stream .*this one starts at 102"), run


def test_duplicate_sequence_fails_run(devserver, k6):
    run = fault_run(devserver, k6, "duplicate_sequence=100", "sequencer_ingest")
    assert_fails_on(run, "ves_sequence_anomalies")


def test_corrupt_proof_fails_run(devserver, k6):
    run = fault_run(devserver, k6, "corrupt_proof=1", "mixed_workload")
    assert_fails_on(run, "ves_proofs_failed")


# Whether setup() lands before the window (iterations get the 503s) or inside it (setup waits the
# window out), the run must fail on failed requests and explain the 503. Two tests judge one run.
@pytest.fixture(scope="module")
def shed_load_run(module_processes, module_k6):
    server = module_processes.devserver("--fault", "shed_load=4-12")
    return module_k6("load/sequencer_ingest.js", server=server, profile="short", name="fault-shed_load")


@pytest.mark.xdist_group("faults-shed_load")
def test_shed_load_fails_run(shed_load_run):
    assert_fails_on(shed_load_run, "http_req_failed", "passes")


@pytest.mark.xdist_group("faults-shed_load")
def test_shed_load_explained(shed_load_run):
    """The run says what a 503 pool_exhausted means."""
    assert shed_load_run.has(r"shedding load \(503 pool_exhausted\)"), shed_load_run


def test_shed_load_at_start_setup_waits(devserver, k6):
    """Shedding from the start: setup() waits it out, then the run goes on (and fails on the 503s).
    The window (10 s from the devserver's start) outlasts k6's start on a busy machine; setup()
    waits up to 30 s (js/setup.js)."""
    server = devserver("--fault", "shed_load=0-10")
    run = k6("load/sequencer_ingest.js", server=server, profile="short", name="fault-shed_load-at-start")
    assert run.rc == THRESHOLDS_FAILED, run
    assert run.has("retrying for up to"), run
    accepted = run.metric("ves_events_accepted")
    assert accepted is not None and accepted > 0, f"setup waited, then ves_events_accepted={accepted}\n{run}"
