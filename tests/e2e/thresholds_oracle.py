"""An oracle of which thresholds a scenario can move, written independently of js/thresholds.js,
for the options `k6 inspect --execution-requirements` prints (test_thresholds_inspect.py).

problems(scenario, probes, options, universal_only) lists a threshold whose metric the scenario
cannot move (it would always pass, claiming a check that never ran, or always fail), and a
missing must-have (checks; proofs verified in the mixed workload)."""
import re

ENDPOINTS = {
    "sequencer_ingest": {"ingest"},
    "sequencer_query": {"head", "events", "entity", "commitments"},
    "sequencer_replay": {"ingest"},
    "mixed_workload": {"ingest", "commit", "commitments", "proof", "head", "events", "entity"},
}
PROOFS = {"mixed_workload"}
PROBING = {"sequencer_ingest", "mixed_workload"}
# The replay scenario re-sends a corpus: a refused or renumbered replay moves ves_replay_violations.
REPLAYING = {"sequencer_replay"}
INGEST = {"ves_events_accepted", "ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies",
          "ves_events_replayed", "ves_receipts_checked", "ves_receipt_signatures_checked"}


def problems(scenario, probes, opts, universal_only):
    out = []
    thresholds = opts.get("thresholds") or {}
    executors = {s.get("executor") for s in (opts.get("scenarios") or {}).values()}
    open_model = any(e and "arrival-rate" in e for e in executors)
    for key, exprs in thresholds.items():
        m = re.match(r"^([^{]+)(?:\{(.*)\})?$", key)
        metric, tags = m.group(1), m.group(2) or ""
        ep = re.search(r"endpoint:([^,}]+)", tags)
        for expr in exprs:
            e = expr if isinstance(expr, str) else expr.get("threshold", "")
            why = None
            if ep and ep.group(1) not in ENDPOINTS[scenario]:
                why = f"no {ep.group(1)} request in the main loop"
            elif metric == "ves_events_accepted" and e.startswith("rate") and "ingest" not in ENDPOINTS[scenario]:
                why = "rate target without ingest in the main loop"
            elif metric in ("ves_proofs_verified", "ves_proofs_failed", "ves_time_to_proof") and scenario not in PROOFS:
                why = "no proofs"
            elif metric == "ves_replay_violations" and scenario in REPLAYING:
                why = None
            elif metric in ("ves_invalid_accepted", "ves_invalid_rejected", "ves_replay_violations") and not (scenario in PROBING and probes > 0):
                why = f"no probes (PROBES={probes})"
            elif metric in ("ves_entity_read_violations", "ves_entity_reads_checked") and "entity" not in ENDPOINTS[scenario]:
                why = "no entity read"
            elif metric == "dropped_iterations" and not open_model:
                why = "no arrival-rate executor"
            if why:
                out.append(f"{key} {e}: cannot move in {scenario} ({why})")
    if "checks" not in thresholds:
        out.append("no checks threshold")
    # Entity reads are checked wherever they happen: a run must fail on a violation.
    if "entity" in ENDPOINTS[scenario] and not universal_only and "count==0" not in (thresholds.get("ves_entity_read_violations") or []):
        out.append("entity reads would pass with ves_entity_read_violations > 0")
    if scenario in PROOFS and not universal_only and "count>0" not in (thresholds.get("ves_proofs_verified") or []):
        out.append("the mixed workload would pass without a verified proof")
    return out
