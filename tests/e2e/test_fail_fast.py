"""Bad configuration and an unreachable server fail fast (within 20 s, before any load: the
smoke profile alone runs 15 s), with a message that says what to do; a JavaScript error in an
iteration fails the run (k6 alone would only log it)."""
import pytest

from harness import THRESHOLDS_FAILED, free_port

FAST_S = 20
# TEST-NET-2 (RFC 5737): not this machine, and nothing answers there.
REMOTE = "http://198.51.100.7:8080"


def unreachable() -> dict:
    return {"SEQUENCER_BASE_URL": f"http://127.0.0.1:{free_port()}", "SEQUENCER_PUBLIC_KEY": ""}


def assert_fails_fast(run, text):
    assert run.rc != 0, run
    assert run.seconds <= FAST_S, f"took {run.seconds:.1f} s\n{run}"
    assert run.has(text), f"no {text!r} in the log\n{run}"


CASES = {
    # name: (expected text, profile, env)
    "unreachable_server": ("cannot reach the sequencer", "smoke", {}),
    "bad_batch_size": ("BATCH_SIZE", None, {"BATCH_SIZE": "5000"}),
    "unknown_profile": ("PROFILE=nosuch", "nosuch", {}),
    "bad_created_at": ("CREATED_AT", None, {"CREATED_AT": "2025-02-30T00:00:00Z"}),
}


@pytest.mark.parametrize("case", CASES)
def test_fails_fast(case, k6):
    text, profile, env = CASES[case]
    run = k6("load/sequencer_ingest.js", profile=profile, env={**unreachable(), **env}, name=case)
    assert_fails_fast(run, text)


def test_remote_url_without_key(k6):
    run = k6("load/sequencer_ingest.js", profile="smoke", env={"SEQUENCER_BASE_URL": REMOTE, "SEQUENCER_PUBLIC_KEY": ""})
    assert_fails_fast(run, "API_KEY")


def test_remote_url_warns_unsigned(k6):
    run = k6("load/sequencer_ingest.js", profile="smoke", env={"SEQUENCER_BASE_URL": REMOTE, "SEQUENCER_PUBLIC_KEY": "",
                                                               "API_KEY": "ss_test", "ADMIN_API_KEY": "ss_test"})
    assert_fails_fast(run, "WARNING: SEQUENCER_PUBLIC_KEY is not set")


def test_payload_large_refused(k6):
    """PAYLOAD=large with short.json's BATCH_SIZE=20 would send ~20 MB requests: refused at start."""
    run = k6("load/sequencer_ingest.js", profile="short", env={**unreachable(), "PAYLOAD": "large"})
    assert_fails_fast(run, "BATCH_SIZE.*at most 10 with PAYLOAD=large.*-e BATCH_SIZE=10")


def test_script_error_fails_run(k6):
    run = k6("tests/e2e/guard_throws.js")
    assert run.rc == THRESHOLDS_FAILED, run
    assert run.has("boom: script error: TypeError"), run
