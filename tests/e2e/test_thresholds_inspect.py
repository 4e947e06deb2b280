"""Thresholds apply only where their metric can move, and no test depends on this machine's
speed: `k6 inspect --execution-requirements` (it reads --config and PROFILE) prints the options
a run would have, checked against an oracle written apart from js/thresholds.js
(thresholds_oracle.py), for every scenario x shipped profile and each config file; and every
scenario x test profile (tests/e2e/profiles/) has no latency bound below 1 s."""
import json
import re

import pytest

from harness import MIN_LATENCY_BOUND_MS, PROFILES, REPO, fast_latency_thresholds
from thresholds_oracle import problems

LIVE = ["sequencer_ingest", "sequencer_query", "mixed_workload"]
SHIPPED = ["default", "smoke", "sustained", "stress"]


def probes_of(script: str, profile: str) -> float:
    """The run's PROBES: the shipped profile's env, else the script's default."""
    if profile in ("smoke", "sustained", "stress"):
        p = json.loads((REPO / "load" / "profiles" / f"{profile}.json").read_text())["ves"].get("env", {}).get("PROBES")
        if p is not None:
            return float(p)
    return 0.02 if script == "mixed_workload" else 0.0


@pytest.fixture(scope="module")
def corpus(module_presign):
    return module_presign("corpus", "--vus", "2", "--batches-per-vu", "2", "--batch-size", "5", "--seed", "7")


def assert_oracle(inspected, script, probes, universal_only=False):
    assert inspected.rc == 0, inspected
    found = problems(script, probes, inspected.options, universal_only)
    assert not found, f"{'; '.join(found)}\n$ {inspected.command}"


@pytest.mark.parametrize("profile", SHIPPED)
@pytest.mark.parametrize("script", LIVE)
def test_inspect_shipped_profile(script, profile, k6):
    i = k6.inspect(f"load/{script}.js", env={"PROFILE": profile})
    assert_oracle(i, script, probes_of(script, profile))


@pytest.mark.parametrize("script", LIVE)
def test_inspect_runner_json_as_profile(script, k6):
    i = k6.inspect(f"load/{script}.js", env={"PROFILE": "runner.json"})
    assert_oracle(i, script, probes_of(script, "none"))


@pytest.mark.parametrize("script", LIVE)
def test_inspect_config_file(script, k6):
    i = k6.inspect(f"load/{script}.js", "--config", f"load/config/{script}.json", env={"PROFILE": "none"})
    assert_oracle(i, script, probes_of(script, "none"))


@pytest.mark.parametrize("script", LIVE)
def test_inspect_runner_json_as_config(script, k6):
    i = k6.inspect(f"load/{script}.js", "--config", "runner.json", env={"PROFILE": "none"})
    assert_oracle(i, script, probes_of(script, "none"), universal_only=True)


def test_inspect_replay(k6, corpus):
    i = k6.inspect("load/sequencer_replay.js", env={"REPLAY_DIR": corpus})
    assert_oracle(i, "sequencer_replay", 0)


@pytest.mark.parametrize("script", LIVE)
def test_inspect_capacity_profile_refused(script, k6):
    """load/profiles/capacity.json is `ves capacity`'s (docs/CAPACITY.md), not a scenario profile:
    every scenario that reads PROFILE refuses it by name instead of running with its own defaults."""
    i = k6.inspect(f"load/{script}.js", env={"PROFILE": "capacity"})
    assert i.rc != 0, i
    assert i.has("holds settings of `ves capacity`"), i


@pytest.mark.parametrize("payload", ["mixed", "order", "floats", "medium"])
@pytest.mark.parametrize("script", ["sequencer_ingest", "mixed_workload"])
def test_inspect_large_bodies_filter(script, payload, k6):
    """PAYLOAD=mixed (and medium with a big batch) filters every latency threshold on body:normal,
    in both scenarios that ingest live events; PAYLOAD=order and floats do not."""
    env = {"PROFILE": "smoke", "PAYLOAD": payload, **({"BATCH_SIZE": "100"} if payload == "medium" else {})}
    i = k6.inspect(f"load/{script}.js", env=env)
    assert i.rc == 0, i
    latency = sorted(k for k in i.thresholds if k.startswith(("http_req_duration", "http_req_waiting")))
    filtered = [k for k in latency if "body:normal" in k]
    assert latency, i
    if payload in ("mixed", "medium"):
        assert filtered == latency, f"not all filtered on body:normal: {latency}"
    else:
        assert not filtered, f"filtered on body:normal: {latency}"


TEST_PROFILES = sorted(p.stem for p in PROFILES.glob("*.json"))
# seconds.json holds thresholds only (no load settings): the replay scenario and the mixed
# workload's open model take it; the closed-model scripts refuse a profile without load settings.
THRESHOLDS_ONLY = {"seconds"}
PAIRS = [(s, p) for s in LIVE + ["sequencer_replay"] for p in TEST_PROFILES
         if not (p in THRESHOLDS_ONLY and s in ("sequencer_ingest", "sequencer_query"))]


@pytest.mark.parametrize("script,profile", PAIRS)
def test_test_profile_latency_bounds_in_seconds(script, profile, k6, corpus):
    """Every scenario x test profile: no latency threshold bound below 1 s, so that a new threshold
    in a script or a shipped profile cannot bring back a test that depends on the machine's speed."""
    i = k6.inspect(f"load/{script}.js", env={"PROFILE": f"tests/e2e/profiles/{profile}.json", "REPLAY_DIR": corpus})
    assert i.rc == 0, i
    assert i.thresholds, i
    fast = fast_latency_thresholds(i.thresholds, MIN_LATENCY_BOUND_MS)
    assert not fast, f"latency bounds below {MIN_LATENCY_BOUND_MS} ms with test profile {profile}: {fast}\n$ {i.command}"


@pytest.mark.parametrize("profile", TEST_PROFILES)
def test_test_profile_tolerates_slow_generator(profile, k6):
    """The mixed workload x every test profile: dropped_iterations (k6 could not start an
    arrival-rate iteration on time, which on a busy machine says how fast the machine is) is
    bounded, not count==0 as in the shipped profiles."""
    i = k6.inspect("load/mixed_workload.js", env={"PROFILE": f"tests/e2e/profiles/{profile}.json"})
    assert i.rc == 0, i
    dropped = i.thresholds.get("dropped_iterations")
    assert dropped, f"no dropped_iterations threshold with test profile {profile}\n$ {i.command}"
    exact = [e for e in dropped if re.fullmatch(r"count\s*(==\s*0|<\s*1|<=\s*0)", e if isinstance(e, str) else e["threshold"])]
    assert not exact, f"test profile {profile}: dropped_iterations {exact} fails whenever the machine is slow\n$ {i.command}"


def test_shipped_profiles_keep_production_targets(k6):
    """The test profiles override the shipped ones; the shipped ones keep the production targets."""
    for profile in ("smoke", "sustained", "stress"):
        i = k6.inspect("load/sequencer_ingest.js", env={"PROFILE": profile}, name=f"inspect-{profile}")
        assert i.rc == 0, i
        got = i.thresholds.get("http_req_duration{endpoint:ingest}")
        assert got == ["p(50)<20", "p(95)<50", "p(99)<100"], f"PROFILE={profile}: {got}"
        i = k6.inspect("load/mixed_workload.js", env={"PROFILE": profile}, name=f"inspect-mixed-{profile}")
        assert i.thresholds.get("dropped_iterations") == ["count==0"], f"PROFILE={profile}: {i.thresholds.get('dropped_iterations')}"
