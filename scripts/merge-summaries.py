#!/usr/bin/env python3
"""Merges the summaries of the k6 processes of one test (execution segments, docs/SCALE.md).

  scripts/merge-summaries.py [--out merged.json] SUMMARY.json... [--csv RAW.csv...]

Counters add up (count) across the processes' summary JSON files (handleSummary's
<scenario>-<segment>-summary.json). Percentiles cannot be added: they are recomputed from the raw
samples of every process (`k6 run --out csv=FILE`), per Trend metric and for http_req_duration
per `endpoint` tag when the CSV carries it. Prints a table; --out writes it as JSON:
{"processes": N, "counters": {name: count}, "trends": {name: {count, avg, min, med, max, p(90), p(95), p(99)}}}.
Standard library only.
"""
import argparse
import csv
import json
import math
import sys
from collections import defaultdict

PERCENTILES = (50, 90, 95, 99)


def percentile(sorted_values, p):
    """k6's method: linear interpolation between the closest ranks."""
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def counters(paths):
    total = defaultdict(float)
    for path in paths:
        with open(path) as f:
            metrics = json.load(f)["metrics"]
        for name, m in metrics.items():
            if m.get("type") == "counter" and "{" not in name:
                total[name] += m["values"].get("count", 0)
    return {k: int(v) if float(v).is_integer() else v for k, v in sorted(total.items())}


def trends(paths):
    samples = defaultdict(list)
    trend_names = {"http_req_duration", "http_req_waiting", "iteration_duration", "ves_time_to_proof", "ves_sign_duration"}
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                name = row.get("metric_name")
                if name not in trend_names:
                    continue
                try:
                    value = float(row["metric_value"])
                except (KeyError, ValueError):
                    continue
                samples[name].append(value)
                endpoint = endpoint_of(row)
                if name == "http_req_duration" and endpoint:
                    samples[f"http_req_duration{{endpoint:{endpoint}}}"].append(value)
    out = {}
    for name, values in sorted(samples.items()):
        values.sort()
        stats = {"count": len(values), "avg": sum(values) / len(values), "min": values[0], "max": values[-1]}
        for p in PERCENTILES:
            stats["med" if p == 50 else f"p({p})"] = percentile(values, p)
        out[name] = stats
    return out


def endpoint_of(row):
    """The `endpoint` tag: its own column if k6 made one, else inside extra_tags (k=v&k=v)."""
    if row.get("endpoint"):
        return row["endpoint"]
    for part in (row.get("extra_tags") or "").split("&"):
        k, _, v = part.partition("=")
        if k == "endpoint":
            return v
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("summaries", nargs="+", help="the processes' summary JSON files")
    ap.add_argument("--csv", nargs="*", default=[], help="the processes' raw samples (k6 --out csv=FILE)")
    ap.add_argument("--out", help="write the merged result as JSON")
    args = ap.parse_args()
    try:
        merged = {"processes": len(args.summaries), "counters": counters(args.summaries), "trends": trends(args.csv)}
    except (OSError, ValueError, KeyError) as e:
        print(f"merge-summaries: {e}", file=sys.stderr)
        return 2
    print(f"merged {merged['processes']} processes")
    for name, v in merged["counters"].items():
        print(f"  {name:40} {v}")
    for name, t in merged["trends"].items():
        print(f"  {name:40} count={t['count']} avg={t['avg']:.2f} med={t['med']:.2f} p(95)={t['p(95)']:.2f} p(99)={t['p(99)']:.2f} max={t['max']:.2f}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(merged, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
