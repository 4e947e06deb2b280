"""Profiles take effect: PROFILE=file, --config with PROFILE=none, and flags over both
(profiles/one_vu.json: 1 VU for 2 s; the scripts default to 10 VUs)."""

ONE_VU = "tests/e2e/profiles/one_vu.json"


def vus_max(devserver, k6, *args, profile=None, env=None):
    run = k6("load/sequencer_query.js", *args, server=devserver(), profile=profile, env=env)
    assert run.rc == 0, run
    return run.metric("vus_max", "max"), run


def test_profile_file_sets_load(devserver, k6):
    got, run = vus_max(devserver, k6, profile="one_vu")
    assert got == 1, f"vus_max={got} (want 1)\n{run}"


def test_profile_none_hands_over_to_config(devserver, k6):
    got, run = vus_max(devserver, k6, "--config", ONE_VU, env={"PROFILE": "none"})
    assert got == 1, f"vus_max={got} (want 1)\n{run}"


def test_flags_over_profile(devserver, k6):
    got, run = vus_max(devserver, k6, "--vus", "3", "--duration", "2s", profile="one_vu")
    assert got == 3, f"vus_max={got} (want 3)\n{run}"
