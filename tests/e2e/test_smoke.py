"""The smoke profile of every scenario passes against a clean devserver, with every check on."""
import re

import pytest

SCENARIOS = ["sequencer_ingest", "sequencer_query", "mixed_workload"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_smoke_passes(scenario, devserver, k6):
    server = devserver()
    run = k6(f"load/{scenario}.js", server=server, profile="smoke")
    assert run.passed, run
    # Receipt signatures were checked (the devserver's key is passed), and the verdict says so.
    # (query: one setup batch per stream, too few receipts for the 1 % sample; the field is there.)
    assert re.search(r"signatures_checked=\d+ receipts_checked=\d+ result=", run.output), run
    if scenario != "sequencer_query":
        assert int(run.verdict["signatures_checked"]) > 0, run
