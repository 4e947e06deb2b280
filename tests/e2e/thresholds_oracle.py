#!/usr/bin/env python3
"""Checks the thresholds a scenario would run with (the options JSON printed by
`k6 inspect --execution-requirements`) against an oracle written independently of
js/thresholds.js: which metric each scenario can move. Fails on a threshold whose metric the
scenario cannot move (it would always pass, claiming a check that never ran, or always fail),
and on a missing must-have (checks; proofs verified in the mixed workload).

usage: check_thresholds.py SCENARIO PROBES INSPECT_OUTPUT_FILE [--universal-only]
Prints one line: "ok: N thresholds" or the problems; exit 1 on a problem."""
import json
import re
import sys

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


def options_of(path):
    text = open(path, encoding="utf-8").read()
    start = text.find("\n{")
    start = 0 if text.startswith("{") else start + 1
    return json.loads(text[start:])


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


def main():
    scenario, probes, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    universal_only = "--universal-only" in sys.argv[4:]
    try:
        opts = options_of(path)
    except Exception as e:  # noqa: BLE001 - the message is the test output
        print(f"cannot read the options k6 inspect printed ({e}); see {path}")
        return 1
    found = problems(scenario, probes, opts, universal_only)
    if found:
        print("; ".join(found))
        return 1
    print(f"ok: {sum(len(v) for v in (opts.get('thresholds') or {}).values())} thresholds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
