"""HOT_ENTITIES and entity reads (js/entity_reads.js): the query and mixed scenarios read the hot
entities a share of the time and check every entity read (its own events, in order, each once);
the note at start says what the real server shows; a devserver that serves an entity's events
out of order fails the query scenario on ves_entity_read_violations."""
import pytest

from harness import THRESHOLDS_FAILED

NOTE = "on the real sequencer entity reads show legacy events only"


def checked_reads(run):
    """Entity reads that returned events and were checked, by the `hot` tag: {"true": n, "false": n}."""
    n = {"true": 0, "false": 0}
    for p in run.points("ves_entity_reads_checked"):
        if p["data"]["value"] > 0:
            hot = (p["data"].get("tags") or {}).get("hot", "?")
            n[hot] = n.get(hot, 0) + p["data"]["value"]
    return n


@pytest.mark.parametrize("script", ["sequencer_query", "mixed_workload"])
def test_hot_entities_reads_checked(script, devserver, k6):
    run = k6(f"load/{script}.js", server=devserver(), profile="short", env={"HOT_ENTITIES": "0.5"}, json_out=True,
             name=f"hot-entities-{script}")
    reads = checked_reads(run)
    violations = run.metric("ves_entity_read_violations")
    # The query scenario reads hot entities often; the mixed one has few reads (short.json: one
    # query iteration a second for 20 s, a quarter of those read an entity), so there any checked
    # read will do.
    checked = reads["true"] if script == "sequencer_query" else reads["true"] + reads["false"]
    detail = f"entity reads checked hot/other={reads['true']:.0f}/{reads['false']:.0f}; ves_entity_read_violations={violations}\n{run}"
    assert run.rc == 0 and run.has("result=PASS"), detail
    assert violations == 0, detail
    assert checked > 0, detail
    assert run.has(NOTE), detail


def test_entity_note_where_it_applies(devserver, k6):
    """Without HOT_ENTITIES, the mixed workload says nothing about entity reads; the query scenario always does."""
    server = devserver()
    mixed = k6("load/mixed_workload.js", server=server, profile="short", name="entity-note-mixed-quiet")
    assert mixed.rc == 0, mixed
    assert not mixed.has(NOTE), mixed
    query = k6("load/sequencer_query.js", server=server, profile="one_vu", name="entity-note-query")
    assert query.has(NOTE), query


def test_entity_reads_reordered_fails_run(devserver, k6):
    run = k6("load/sequencer_query.js", server=devserver("--fault", "reorder_entity_reads"), profile="short",
             env={"HOT_ENTITIES": "0.5"}, name="entity-reads-reordered")
    violations = run.metric("ves_entity_read_violations")
    assert run.rc == THRESHOLDS_FAILED and run.has("result=FAIL"), run
    assert violations and violations > 0, f"ves_entity_read_violations={violations}\n{run}"
    others = run.counters("ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies")
    assert all(v == 0 for v in others.values()), f"{others}\n{run}"
    assert run.has(r"entity read of order/order-[0-9]* \(out_of_order\): event 1 .* has sequence number [0-9]* after [0-9]*"), run
