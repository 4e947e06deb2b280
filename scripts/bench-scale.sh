#!/usr/bin/env bash
# The load generator's own cost (docs/SCALE.md, "Benchmark"): k6 CPU per event sent, live
# signing versus replay of a `ves presign` corpus, against one devserver at batch 100, from the
# k6 process's own CPU time and peak RSS (getrusage of the child) and, where `ves signer` checks
# the answers, the signer's CPU over the same run (/proc/<pid>/stat). Not part of `make test`.
#
# ROUNDS rounds (default 3), each: a live run (signed and checked in k6), then a replay of a
# fresh corpus whose every answer `ves signer` checks (SIGNER_URL: every receipt hash, natively).
# The target: k6 CPU + checker CPU per replayed event at most 1/20 of k6 CPU per live event, as
# the median of the rounds' ratios. Once, for comparison: a replay checked in k6 (every receipt),
# and one with RECEIPT_CHECK=SAMPLE (the rest left to ves audit).
#
#   scripts/bench-scale.sh                 (ROUNDS=3 LIVE_S=20 VUS=2 BATCHES=100 BATCH_SIZE=100 SAMPLE=0.01)
set -euo pipefail
cd "$(dirname "$0")/.."
K6=$(scripts/install-k6.sh)
ROUNDS=${ROUNDS:-3} LIVE_S=${LIVE_S:-20} VUS=${VUS:-2} BATCHES=${BATCHES:-100} BATCH_SIZE=${BATCH_SIZE:-100}
SAMPLE=${SAMPLE:-0.01} # RECEIPT_CHECK of the sampled replay run
OUT=results/bench-scale
rm -rf "$OUT" && mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port) sport=$(free_port)
data=$(mktemp -d)
target/release/ves-devserver --listen "127.0.0.1:$port" --data "$data" >"$OUT/devserver.log" 2>&1 &
DEV=$!
target/release/ves signer --listen "127.0.0.1:$sport" --log-interval 0 >"$OUT/signer.log" 2>&1 &
SIGNER=$!
trap 'kill $DEV $SIGNER 2>/dev/null' EXIT
for u in "http://127.0.0.1:$port" "http://127.0.0.1:$sport"; do
  for _ in $(seq 100); do curl -fs "$u/health" >/dev/null 2>&1 && break; sleep 0.1; done
done
presign() { target/release/ves presign --out "$OUT/$1" --vus "$VUS" --batches-per-vu "$BATCHES" --batch-size "$BATCH_SIZE" >>"$OUT/presign.log"; }
echo "bench-scale: $("$K6" version | head -n 1); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds"

# measure NAME SUMMARY k6-args... : runs k6, prints "NAME events k6_cpu_s rss_mb signer_cpu_s"
# (the signer's CPU over the run; it serves nothing else meanwhile).
measure() {
  local name=$1 summary=$2; shift 2
  # Latency thresholds are the scripts' production targets (milliseconds), which a shared machine
  # misses for reasons of its own: left out (--no-thresholds); correctness is checked below.
  python3 - "$name" "$summary" "$SIGNER" "$K6" run --no-usage-report --no-thresholds -a 127.0.0.1:0 -e SEQUENCER_BASE_URL="http://127.0.0.1:$port" "$@" <<'PY'
import json, os, subprocess, sys
name, summary, signer, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
tick = os.sysconf("SC_CLK_TCK")
def signer_cpu():
    with open(f"/proc/{signer}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick
before = signer_cpu()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
after = signer_cpu()
s = json.load(open(summary))
if s.get("state", {}).get("testRunDurationMs") is None or "ves_events_accepted" not in s["metrics"]:
    sys.exit(f"bench-scale: {name}: no summary")
events = s["metrics"]["ves_events_accepted"]["values"]["count"]
checked = s["metrics"].get("ves_receipts_checked", {}).get("values", {}).get("count", 0)
by_signer = s["metrics"].get("ves_receipts_checked_by_signer", {}).get("values", {}).get("count", 0)
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"bench-scale: {name}: k6 exited {os.waitstatus_to_exitcode(status)}")
# The run must have passed every correctness check: a benchmark of a failing run measures nothing.
count = lambda m: s["metrics"].get(m, {}).get("values", {}).get("count", 0)
wrong = {m: count(m) for m in ["ves_events_rejected", "ves_receipts_invalid", "ves_sequence_anomalies", "ves_replay_violations", "ves_invalid_accepted"] if count(m) > 0}
fails = s["metrics"].get("checks", {}).get("values", {}).get("fails", 0)
if wrong or fails:
    sys.exit(f"bench-scale: {name}: the run failed its checks ({fails} failed checks, {wrong})")
print(name, int(events), round(ru.ru_utime + ru.ru_stime, 3), round(ru.ru_maxrss / 1024), round(after - before, 3), int(checked), int(by_signer))
PY
}
run_live() { mkdir -p "$OUT/$1"; measure "$1" "$OUT/$1/sequencer_ingest-summary.json" -e RESULTS_DIR="$OUT/$1" -e PROFILE=none --vus "$VUS" --duration "${LIVE_S}s" load/sequencer_ingest.js; }
run_replay() { local name=$1; shift; mkdir -p "$OUT/$name"; presign "corpus-$name"; measure "$name" "$OUT/$name/sequencer_replay-summary.json" -e RESULTS_DIR="$OUT/$name" -e REPLAY_DIR="$OUT/corpus-$name" "$@" load/sequencer_replay.js; }
{
  for i in $(seq "$ROUNDS"); do
    run_live "live-$i"
    run_replay "replay-signer-$i" -e SIGNER_URL="http://127.0.0.1:$sport"
  done
  run_replay replay-k6
  run_replay replay-sampled -e RECEIPT_CHECK="$SAMPLE"
} | tee "$OUT/raw.txt"
corpus_mb=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["total_bytes"] / 1e6))' "$OUT/corpus-replay-k6/manifest.json")
python3 - "$OUT/raw.txt" "$corpus_mb" "$SAMPLE" "$ROUNDS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, events, k6, rss, signer, checked, by_signer = line.split()
    rows[name] = dict(events=int(events), k6=float(k6), rss=rss, signer=float(signer), checked=int(checked), by_signer=int(by_signer))
def us(r, cpu):
    return cpu / r["events"] * 1e6
for name, r in rows.items():
    checker = f" + signer {us(r, r['signer']):.1f} us" if name.startswith("replay-signer") else ""
    print(f"bench-scale: {name:16} {r['events']:7} events, k6 CPU {r['k6']:6.2f} s = {us(r, r['k6']):7.1f} us/event{checker}, receipts checked {r['checked']} ({r['by_signer']} by ves signer), peak RSS {r['rss']} MB")
ratios = []
for i in range(1, int(sys.argv[4]) + 1):
    live, rep = rows[f"live-{i}"], rows[f"replay-signer-{i}"]
    if rep["by_signer"] < rep["events"]:
        sys.exit(f"bench-scale: replay-signer-{i}: {rep['by_signer']} of {rep['events']} receipts checked by ves signer, expected every one")
    ratio = us(live, live["k6"]) / us(rep, rep["k6"] + rep["signer"])
    ratios.append(ratio)
    print(f"bench-scale: round {i}: live {us(live, live['k6']):.0f} us/event in k6; replay, every receipt hash checked by ves signer: k6 {us(rep, rep['k6']):.1f} + signer {us(rep, rep['signer']):.1f} us/event: 1/{ratio:.1f} of live")
median = statistics.median(ratios)
live_med = statistics.median(us(rows[f"live-{i}"], rows[f"live-{i}"]["k6"]) for i in range(1, int(sys.argv[4]) + 1))
k6 = rows["replay-k6"]
print(f"bench-scale: replay checked in k6 (every receipt): {us(k6, k6['k6']):.1f} us/event, 1/{live_med / us(k6, k6['k6']):.1f} of live (median live; corpus {sys.argv[2]} MB)")
sampled = rows["replay-sampled"]
print(f"bench-scale: replay with RECEIPT_CHECK={sys.argv[3]} in k6: {us(sampled, sampled['k6']):.1f} us/event, 1/{live_med / us(sampled, sampled['k6']):.1f} of live (the unchecked receipts are for ves audit --receipts)")
print(f"bench-scale: target, replay with every receipt hash checked: k6 + checker CPU per event 1/{median:.1f} of live in-k6 (median of {len(ratios)} rounds: {', '.join(f'1/{r:.1f}' for r in ratios)}): {'met' if median >= 20 else 'MISSED'} (1/20 or less)")
PY
