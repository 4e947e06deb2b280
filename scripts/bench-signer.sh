#!/usr/bin/env bash
# Benchmark of live signing and checking (`make bench-signer`, docs/SIGNER.md): the same ingest
# scenario (load/sequencer_ingest.js, batch 100, every receipt checked: RECEIPT_CHECK=1) against
# one ves-devserver, in one run:
#   - js:        the in-k6 signer, every receipt checked in k6;
#   - signer:    SIGNER_URL: `ves signer` signs and checks every answer natively (SIGNER_CHECK=1,
#                receipt signatures on the RECEIPT_SIG_SAMPLE share, 0.01): the run the targets judge;
#   - signer, RECEIPT_SIG_SAMPLE=1: the same with every sequencer signature verified (no target);
#   - signer, SIGNER_CHECK=0: signing by the signer, every receipt checked in k6 (BENCH_K6_CHECK,
#                default on, empty to skip): what the signer's check saves.
# CPU comes from /proc/<pid>/stat (utime + stime) of k6, the signer and the devserver, read at
# the start and the end of each run's steady window (k6's init and setup() excluded), and
# events from the devserver's database over the same window. Reported per stored event:
#   - k6 CPU per event and events/s per k6 core (events / k6 CPU seconds);
#   - with SIGNER_URL, the signer's CPU per event and events/s per core counting k6 + signer.
# Wall-clock rates depend on the machine's other work; the CPU ratios much less.
# Last line:
#   bench-signer: k6_us_per_event_js=N k6_us_per_event_signer=N signer_us_per_event=N events_per_k6_core_js=N events_per_k6_core_signer=N events_per_core_k6_plus_signer=N ratio=N
# (the `signer` run; the `targets` lines above it judge it: >= 10,000 events/s per k6 core and
# >= 8,000 per core counting the signer.)
#
# Environment: K6, VUS (default 2), DURATION (per run, default 20s), BATCH_SIZE (default 100),
# STREAMS (default 4), BENCH_SIG_ALL (the RECEIPT_SIG_SAMPLE=1 run; default on, empty to skip),
# BENCH_K6_CHECK (the SIGNER_CHECK=0 run; default on, empty to skip), BENCH_GOGC (an extra,
# informational run with this GOGC for k6; default unset).
BENCH_SIG_ALL=${BENCH_SIG_ALL-1}
BENCH_K6_CHECK=${BENCH_K6_CHECK-1}
BENCH_GOGC=${BENCH_GOGC-}
set -uo pipefail
cd "$(dirname "$0")/.."

k6=$(scripts/install-k6.sh) || { echo "bench-signer: no k6: set K6=/path/to/k6 or put k6 on PATH" >&2; exit 2; }
VES=${VES:-target/release/ves}
DEVSERVER=${DEVSERVER:-target/release/ves-devserver}
for bin in "$VES" "$DEVSERVER"; do
  [ -x "$bin" ] || { echo "bench-signer: $bin not built (cargo build --release -p ves-cli -p ves-devserver)" >&2; exit 2; }
done
VUS=${VUS:-2}
DURATION=${DURATION:-20s}
BATCH_SIZE=${BATCH_SIZE:-100}
STREAMS=${STREAMS:-4}
OUT=results/bench-signer
rm -rf "$OUT" && mkdir -p "$OUT"
TICK=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_s() { awk -v t="$TICK" '{ print ($14 + $15) / t }' "/proc/$1/stat"; } # utime + stime
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

dport=$(free_port); sport=$(free_port)
data=$(mktemp -d)
"$DEVSERVER" --listen "127.0.0.1:$dport" --data "$data" >"$OUT/devserver.log" 2>&1 &
DEV_PID=$!; PIDS+=("$DEV_PID")
"$VES" signer --listen "127.0.0.1:$sport" --log-interval 0 >"$OUT/signer.log" 2>&1 &
SIGNER_PID=$!; PIDS+=("$SIGNER_PID")
URL="http://127.0.0.1:$dport"; SIGNER_URL="http://127.0.0.1:$sport"
for u in "$URL" "$SIGNER_URL"; do
  for _ in $(seq 100); do curl -fs "$u/health" >/dev/null 2>&1 && break; sleep 0.1; done
done
curl -fs "$SIGNER_URL/health" >/dev/null || { echo "bench-signer: the signer did not start: $(cat "$OUT/signer.log")" >&2; exit 1; }

echo "bench-signer: $("$k6" version | head -n 1); $(nproc) cores; load average $(loadavg); $VUS VUs x $DURATION per mode, batch $BATCH_SIZE, $STREAMS streams"

# run MODE ARGS... : one ingest run; prints "events k6_cpu signer_cpu devserver_cpu wall_s"
# over its steady window: from 1 s after the first event is stored (k6's init, its signer
# tables and setup() excluded) to the last reading before k6 exits. Events are counted where
# they land, in the devserver's database.
run() {
  local mode=$1; shift
  mkdir -p "$OUT/$mode"
  "$k6" run --quiet --no-usage-report -a 127.0.0.1:0 -e PROFILE=none --vus "$VUS" --duration "$DURATION" \
    -e SEQUENCER_BASE_URL="$URL" -e SEQUENCER_PUBLIC_KEY="$(cat "$data/sequencer.pub")" -e BATCH_SIZE="$BATCH_SIZE" \
    -e STREAMS="$STREAMS" -e RESULTS_DIR="$OUT/$mode" "$@" load/sequencer_ingest.js >"$OUT/$mode.log" 2>&1 &
  local k6pid=$!
  python3 - "$k6pid" "$SIGNER_PID" "$DEV_PID" "$data/devserver.sqlite3" "$TICK" >"$OUT/$mode.window" <<'PY'
import os, sqlite3, sys, time
k6, signer, dev, db, tick = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime
def events():
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT coalesce(max(rowid), 0) FROM events").fetchone()[0]
    finally:
        con.close()
def reading():
    return (time.time(), events(), cpu(k6), cpu(signer), cpu(dev))
base = events()
first = start = last = None
while True:
    try:
        r = reading()
    except (FileNotFoundError, ProcessLookupError):
        break  # k6 exited
    if first is None and r[1] > base:
        first = r[0]
    if first is not None and start is None and r[0] >= first + 1:
        start = r
    if start is not None:
        last = r
    time.sleep(0.2)
if start is None or last is None or last[1] == start[1]:
    print("0 0 0 0 0")
else:
    print(last[1] - start[1], last[2] - start[2], last[3] - start[3], last[4] - start[4], last[0] - start[0])
PY
  wait "$k6pid" || { echo "bench-signer: the $mode run failed (log: $OUT/$mode.log)" >&2; tail -n 20 "$OUT/$mode.log" >&2; exit 1; }
  grep -q 'result=PASS' "$OUT/$mode.log" || { echo "bench-signer: the $mode run did not pass its checks (log: $OUT/$mode.log)" >&2; exit 1; }
  read -r n _ <"$OUT/$mode.window"
  [ "${n:-0}" -gt 0 ] || { echo "bench-signer: the $mode run stored no events in its steady window" >&2; exit 1; }
  cat "$OUT/$mode.window"
}

report() { # MODE EVENTS K6_CPU SIGNER_CPU DEV_CPU WALL
  awk -v m="$1" -v n="$2" -v k="$3" -v s="$4" -v d="$5" -v w="$6" 'BEGIN {
    printf "  %-20s events=%d wall=%.1fs (%.0f events/s) k6_cpu=%.2fs (%.1f us/event, %.0f events/s per k6 core) signer_cpu=%.2fs (%.1f us/event) devserver_cpu=%.2fs (%.1f us/event)\n",
      m, n, w, n / w, k, k * 1e6 / n, n / k, s, s * 1e6 / n, d, d * 1e6 / n }'
}

read -r js_n js_k js_s js_d js_w < <(run js) || exit 1
report in-k6 "$js_n" "$js_k" "$js_s" "$js_d" "$js_w"
read -r sg_n sg_k sg_s sg_d sg_w < <(run signer -e SIGNER_URL="$SIGNER_URL") || exit 1
report "signer (checks)" "$sg_n" "$sg_k" "$sg_s" "$sg_d" "$sg_w"
grep -q 'receipts checked: .* by ves signer' "$OUT/signer.log" || { echo "bench-signer: the signer run's answers were not checked by the signer (log: $OUT/signer.log)" >&2; exit 1; }
if [ -n "$BENCH_SIG_ALL" ]; then
  # Every sequencer signature verified by the signer (one Ed25519 verification per event).
  read -r sa_n sa_k sa_s sa_d sa_w < <(run signer-sig-all -e SIGNER_URL="$SIGNER_URL" -e RECEIPT_SIG_SAMPLE=1) || exit 1
  report "signer, SIG_SAMPLE=1" "$sa_n" "$sa_k" "$sa_s" "$sa_d" "$sa_w"
fi
if [ -n "$BENCH_K6_CHECK" ]; then
  # Signed by the signer, every receipt checked in k6 (JavaScript): what the signer's check saves.
  read -r kc_n kc_k kc_s kc_d kc_w < <(run signer-k6-check -e SIGNER_URL="$SIGNER_URL" -e SIGNER_CHECK=0) || exit 1
  report "signer, k6 checks" "$kc_n" "$kc_k" "$kc_s" "$kc_d" "$kc_w"
fi
if [ -n "$BENCH_GOGC" ]; then
  # Informational: Go's collector takes a share of k6's CPU; a higher GOGC trades memory for it.
  read -r gc_n gc_k gc_s gc_d gc_w < <(GOGC=$BENCH_GOGC run signer-gogc -e SIGNER_URL="$SIGNER_URL") || exit 1
  report "signer, GOGC=$BENCH_GOGC" "$gc_n" "$gc_k" "$gc_s" "$gc_d" "$gc_w"
fi
echo "  load average after: $(loadavg)"

awk -v jn="$js_n" -v jk="$js_k" -v sn="$sg_n" -v sk="$sg_k" -v ss="$sg_s" -v an="${sa_n:-0}" -v ak="${sa_k:-0}" -v as="${sa_s:-0}" 'BEGIN {
  kj = jk * 1e6 / jn; ks = sk * 1e6 / sn; su = ss * 1e6 / sn
  cj = jn / jk; cs = sn / sk; ct = sn / (sk + ss)
  printf "targets, every receipt hash checked during the run (by ves signer; RECEIPT_CHECK=1): %.0f events/s per k6 core (%s >= 10000); %.0f per core counting the signer (%s >= 8000)\n",
    cs, (cs >= 10000 ? "met" : "MISSED"), ct, (ct >= 8000 ? "met" : "MISSED")
  if (an > 0) {
    printf "reported, every sequencer signature verified too (RECEIPT_SIG_SAMPLE=1, no target): %.0f events/s per k6 core; %.0f per core counting the signer (signer %.1f us/event)\n",
      an / ak, an / (ak + as), as * 1e6 / an
  }
  printf "bench-signer: k6_us_per_event_js=%.1f k6_us_per_event_signer=%.1f signer_us_per_event=%.1f events_per_k6_core_js=%.0f events_per_k6_core_signer=%.0f events_per_core_k6_plus_signer=%.0f ratio=%.1f\n",
    kj, ks, su, cj, cs, ct, kj / ks }'
