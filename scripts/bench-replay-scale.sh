#!/usr/bin/env bash
# Replay at scale (docs/SCALE.md, "The 10-million-event run"): `ves presign` writes a corpus of
# EVENTS events (default 10,000,000) in SHARDS shards, then PROCS k6 processes replay it into one
# devserver, each with its own execution segment and only its own shards on "its machine" (a
# folder of hard links: process k of N holds shards k+1, k+1+N, …), one after the other, as N
# machines of a fleet would in parallel. Measured per process from getrusage of the child: k6
# CPU, peak RSS, wall time; per run: presign time and rate, corpus size. Not part of `make test`.
#
#   scripts/bench-replay-scale.sh                     (EVENTS=10000000 SHARDS=20 PROCS=10 SAMPLE=0.01)
#   EVENTS=1000000 scripts/bench-replay-scale.sh      (a tenth, ~10x faster)
#
# Needs about 1 GB of disk per million order events for the corpus and twice that for the
# devserver's database (DATA, default a temporary folder), and per k6 process about 5x the
# size of its shards in RAM.
set -euo pipefail
cd "$(dirname "$0")/.."
K6=$(scripts/install-k6.sh)
EVENTS=${EVENTS:-10000000} SHARDS=${SHARDS:-20} PROCS=${PROCS:-10} BATCH_SIZE=${BATCH_SIZE:-100}
SAMPLE=${SAMPLE:-0.01} # RECEIPT_CHECK of the replay
per_vu=$((EVENTS / SHARDS / BATCH_SIZE))
[ $((per_vu * SHARDS * BATCH_SIZE)) = "$EVENTS" ] || { echo "bench-replay-scale: EVENTS must be a multiple of SHARDS x BATCH_SIZE" >&2; exit 2; }
[ $((SHARDS % PROCS)) = 0 ] || { echo "bench-replay-scale: SHARDS must be a multiple of PROCS" >&2; exit 2; }
OUT=results/bench-replay-scale
rm -rf "$OUT" && mkdir -p "$OUT"
DATA=${DATA:-$(mktemp -d)}
CORPUS=${CORPUS:-$DATA/corpus}

# run NAME CMD... : runs CMD, prints "NAME cpu_s peak_rss_mb wall_s exit"
run() {
  python3 - "$@" <<'PY'
import os, subprocess, sys, time
name, cmd = sys.argv[1], sys.argv[2:]
t = time.time()
p = subprocess.Popen(cmd, stdout=open(f"results/bench-replay-scale/{name}.log", "w"), stderr=subprocess.STDOUT)
_, status, ru = os.wait4(p.pid, 0)
print(name, round(ru.ru_utime + ru.ru_stime, 1), round(ru.ru_maxrss / 1024), round(time.time() - t, 1), os.waitstatus_to_exitcode(status))
PY
}

echo "bench-replay-scale: $EVENTS events in $SHARDS shards of $per_vu batches of $BATCH_SIZE; $PROCS k6 processes; RECEIPT_CHECK=$SAMPLE; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/report.txt"
read -r _ cpu rss wall rc < <(run presign target/release/ves presign --out "$CORPUS" --vus "$SHARDS" --batches-per-vu "$per_vu" --batch-size "$BATCH_SIZE" --seed 1)
[ "$rc" = 0 ] || { echo "bench-replay-scale: presign failed: $(tail -n 5 "$OUT/presign.log")" >&2; exit 1; }
bytes=$(du -sb "$CORPUS" | cut -f1)
shard_mb=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(round(max(s.get('bytes', 0) for s in m['shards']) / 1e6) if 'bytes' in m['shards'][0] else round(int(sys.argv[2]) / len(m['shards']) / 1e6))" "$CORPUS/manifest.json" "$bytes")
echo "presign: $EVENTS events in ${wall} s ($(python3 -c "print(round($EVENTS / $wall))") events/s), CPU ${cpu} s, peak RSS ${rss} MB; corpus $((bytes / 1000000)) MB (about $shard_mb MB per shard)" | tee -a "$OUT/report.txt"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$DATA/db"
target/release/ves-devserver --listen "127.0.0.1:$port" --data "$DATA/db" >"$OUT/devserver.log" 2>&1 &
DEV=$!
trap 'kill $DEV 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done

seq_str=0
for k in $(seq 1 "$PROCS"); do seq_str="$seq_str,$k/$PROCS"; done
seq_str=${seq_str%,"$PROCS/$PROCS"},1
total_events=0 total_cpu=0 total_wall=0
for k in $(seq 0 $((PROCS - 1))); do
  part="$DATA/part$k"; rm -rf "$part"; mkdir -p "$part"; cp "$CORPUS/manifest.json" "$part/"
  for v in $(seq $((k + 1)) "$PROCS" "$SHARDS"); do ln "$CORPUS"/vu-"$(printf %04d "$v")".* "$part/"; done
  seg="$k/$PROCS:$((k + 1))/$PROCS"; [ "$k" = 0 ] && seg="0:1/$PROCS"; [ $((k + 1)) = "$PROCS" ] && seg="$k/$PROCS:1"
  mkdir -p "$OUT/p$k"
  read -r _ cpu rss wall rc < <(run "replay-$k" "$K6" run --no-usage-report -a 127.0.0.1:0 -e SEQUENCER_BASE_URL="http://127.0.0.1:$port" \
    -e RESULTS_DIR="$OUT/p$k" -e REPLAY_DIR="$part" -e RECEIPT_CHECK="$SAMPLE" -e MAX_DURATION=2h \
    --execution-segment "$seg" --execution-segment-sequence "$seq_str" load/sequencer_replay.js)
  events=$(python3 -c 'import glob,json,sys; f=glob.glob(sys.argv[1] + "/sequencer_replay*-summary.json"); print(int(json.load(open(f[0]))["metrics"]["ves_events_accepted"]["values"]["count"]) if f else 0)' "$OUT/p$k")
  shards_mb=$(($(du -sbL "$part" | cut -f1) / 1000000))
  echo "replay process $k ($seg): k6 exit $rc, $events events in ${wall} s, k6 CPU ${cpu} s ($(python3 -c "print(round($cpu * 1e6 / max($events, 1), 1))") us/event), peak RSS ${rss} MB for ${shards_mb} MB of shards" | tee -a "$OUT/report.txt"
  total_events=$((total_events + events))
  total_cpu=$(python3 -c "print($total_cpu + $cpu)"); total_wall=$(python3 -c "print($total_wall + $wall)")
  rm -rf "$part"
done
echo "bench-replay-scale: $total_events of $EVENTS events replayed and accepted; k6 CPU $(python3 -c "print(round($total_cpu, 1))") s in all ($(python3 -c "print(round($total_cpu * 1000 / max($total_events, 1), 3))") CPU-s per 1,000 events), ${total_wall} s of replay wall time" | tee -a "$OUT/report.txt"
[ "$total_events" = "$EVENTS" ]
