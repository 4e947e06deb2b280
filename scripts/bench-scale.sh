#!/usr/bin/env bash
# The load generator's own cost (docs/SCALE.md, "Benchmark"): k6 CPU-seconds per 1,000 events
# sent, live signing versus replay of a `ves presign` corpus, measured in one run against one
# devserver at batch 100, from the k6 process's own CPU time and peak RSS (getrusage of the
# child). Not part of `make test`.
#
# The replay runs twice, on two corpora: every receipt checked in k6, and RECEIPT_CHECK=SAMPLE.
#
#   scripts/bench-scale.sh                 (LIVE_S=20 VUS=2 BATCHES=100 BATCH_SIZE=100 SAMPLE=0.01)
set -euo pipefail
cd "$(dirname "$0")/.."
K6=$(scripts/install-k6.sh)
LIVE_S=${LIVE_S:-20} VUS=${VUS:-2} BATCHES=${BATCHES:-100} BATCH_SIZE=${BATCH_SIZE:-100}
SAMPLE=${SAMPLE:-0.01} # RECEIPT_CHECK of the sampled replay run
OUT=results/bench-scale
rm -rf "$OUT" && mkdir -p "$OUT/live" "$OUT/replay"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
target/release/ves-devserver --listen "127.0.0.1:$port" --data "$data" >"$OUT/devserver.log" 2>&1 &
DEV=$!
trap 'kill $DEV 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
target/release/ves presign --out "$OUT/corpus" --vus "$VUS" --batches-per-vu "$BATCHES" --batch-size "$BATCH_SIZE" >"$OUT/presign.log"
# A second corpus for the sampled run (a corpus sent twice gets replays, which are checked in full).
target/release/ves presign --out "$OUT/corpus-sampled" --vus "$VUS" --batches-per-vu "$BATCHES" --batch-size "$BATCH_SIZE" >>"$OUT/presign.log"

# measure NAME SUMMARY k6-args... : runs k6, prints "NAME events cpu_s rss_mb"
measure() {
  local name=$1 summary=$2; shift 2
  python3 - "$name" "$summary" "$K6" run --no-usage-report -a 127.0.0.1:0 -e SEQUENCER_BASE_URL="http://127.0.0.1:$port" "$@" <<'PY'
import json, os, subprocess, sys
name, summary, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
events = json.load(open(summary))["metrics"]["ves_events_accepted"]["values"]["count"]
print(name, int(events), round(ru.ru_utime + ru.ru_stime, 2), round(ru.ru_maxrss / 1024))
PY
}
{
  measure live "$OUT/live/sequencer_ingest-summary.json" -e RESULTS_DIR="$OUT/live" -e PROFILE=none --vus "$VUS" --duration "${LIVE_S}s" load/sequencer_ingest.js
  measure replay "$OUT/replay/sequencer_replay-summary.json" -e RESULTS_DIR="$OUT/replay" -e REPLAY_DIR="$OUT/corpus" load/sequencer_replay.js
  mkdir -p "$OUT/replay-sampled"
  measure replay-sampled "$OUT/replay-sampled/sequencer_replay-summary.json" -e RESULTS_DIR="$OUT/replay-sampled" -e REPLAY_DIR="$OUT/corpus-sampled" -e RECEIPT_CHECK="$SAMPLE" load/sequencer_replay.js
} | tee "$OUT/raw.txt"
corpus_mb=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["total_bytes"] / 1e6))' "$OUT/corpus/manifest.json")
python3 - "$OUT/raw.txt" "$corpus_mb" "$SAMPLE" <<'PY'
import sys
rows = {l.split()[0]: l.split()[1:] for l in open(sys.argv[1])}
per = {}
for name, (events, cpu, rss) in rows.items():
    per[name] = float(cpu) / int(events) * 1000
    print(f"bench-scale: {name:6} {int(events):7} events, k6 CPU {float(cpu):6.2f} s = {per[name]:.3f} CPU-s per 1,000 events, peak RSS {rss} MB")
print(f"bench-scale: replay is {per['live'] / per['replay']:.1f}x cheaper per event than live, every receipt checked in k6 (corpus {sys.argv[2]} MB)")
print(f"bench-scale: replay with RECEIPT_CHECK={sys.argv[3]} is {per['live'] / per['replay-sampled']:.1f}x cheaper per event than live (target: 20x; the unchecked receipts are for ves audit --receipts)")
PY
