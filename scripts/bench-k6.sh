#!/usr/bin/env bash
# Benchmark of the k6 library (`make bench-k6`), no server needed:
#   - live signed events/s per VU (fields + JCS + hashes + Ed25519 + JSON body, batch 100),
#     with 1 VU and with 2 VUs;
#   - depth-16 inclusion-proof verifications/s per VU;
#   - peak RSS of the k6 process with 1 VU and with RSS_VUS VUs while signing, and MB per extra VU;
#   - the ratio to native `ves bench` (target/release/ves), when it is built.
# Each throughput is the best of RUNS runs (the machine is shared: other work only slows a run
# down). The last line is:
#   bench-k6: events_per_s_vu1=N proofs_per_s_vu1=N rss_mb_per_vu=N native_ratio=N
#
# Environment: K6 (k6 binary), DURATION (per run, default 10s), RUNS (default 3),
# RSS_VUS (default 50), RSS_DURATION (default 5s), LEDGER_EVENTS (entries kept per VU in the
# RSS runs, default 0), NATIVE_SECONDS (per `ves bench` measurement, default 3), BENCH_GOGC
# (an extra, informational 1-VU events measurement with this GOGC; default 400, empty to skip).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

k6=$(scripts/install-k6.sh) || { echo "bench-k6: no k6: set K6=/path/to/k6 or put k6 on PATH" >&2; exit 2; }

DURATION=${DURATION:-10s}
RUNS=${RUNS:-3}
RSS_VUS=${RSS_VUS:-50}
RSS_DURATION=${RSS_DURATION:-5s}
LEDGER_EVENTS=${LEDGER_EVENTS:-0}
NATIVE_SECONDS=${NATIVE_SECONDS:-3}
BENCH_GOGC=${BENCH_GOGC-400}
EVENTS_SCRIPT=tests/k6/bench/events.js
PROOFS_SCRIPT=tests/k6/bench/proofs.js
logs=$ROOT/results/bench-k6
mkdir -p "$logs"

k6run() { "$k6" run --quiet --no-usage-report --address 127.0.0.1:0 "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | tail -n 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

echo "bench-k6: $("$k6" version | head -n 1); $(nproc) cores; load average $(loadavg); $RUNS runs of $DURATION each, best kept"

# best_of SCRIPT VUS KEY PREFIX COUNT: runs SCRIPT RUNS times, prints each run with the CPU time
# k6 used (user+sys, init included) and COUNT per CPU-second (steadier than wall-clock rates
# on a busy machine), and sets BEST to the max of KEY.
best_of() {
  local script=$1 vus=$2 key=$3 prefix=$4 count=$5 run line value cpu
  BEST=0
  for run in $(seq 1 "$RUNS"); do
    local TIMEFORMAT='%U %S'
    { time k6run -e VUS="$vus" -e DURATION="$DURATION" "$script" >"$logs/$prefix-$run.out" 2>"$logs/$prefix-$run.err"; } 2>"$logs/$prefix-$run.time"
    line=$(grep "^$prefix:" "$logs/$prefix-$run.out")
    value=$(field "$key" "$line")
    if [ -z "$value" ]; then
      echo "bench-k6: $script with $vus VU(s) failed (see $logs/$prefix-$run.err)" >&2
      tail -n 5 "$logs/$prefix-$run.err" >&2
      exit 1
    fi
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$logs/$prefix-$run.time")
    echo "  run $run: $line cpu_s=$cpu per_cpu_s=$(awk -v n="$(field "$count" "$line")" -v c="$cpu" 'BEGIN { printf "%.0f", n / c }')"
    if [ "$value" -gt "$BEST" ]; then BEST=$value; fi
  done
}

echo "events, live (build + sign + JSON body, batch 100), 1 VU:"
best_of "$EVENTS_SCRIPT" 1 events_per_s_per_vu bench-events events
events_vu1=$BEST
echo "events, live, 2 VUs:"
best_of "$EVENTS_SCRIPT" 2 events_per_s_per_vu bench-events events
events_vu2=$BEST
if [ -n "$BENCH_GOGC" ]; then
  # Informational: live signing allocates a BigInt per field operation, and Go's collector takes
  # a large share of the CPU at the default GOGC=100. A higher GOGC trades memory for speed.
  echo "events, live, 1 VU, GOGC=$BENCH_GOGC (informational; the final line uses k6's default):"
  export GOGC=$BENCH_GOGC
  best_of "$EVENTS_SCRIPT" 1 events_per_s_per_vu bench-events events
  unset GOGC
  events_vu1_gogc=$BEST
fi
echo "proofs, depth 16, 1 VU:"
best_of "$PROOFS_SCRIPT" 1 proofs_per_s_per_vu bench-proofs proofs
proofs_vu1=$BEST

# peak_rss VUS: peak VmHWM (kB) of the k6 process while VUS VUs sign.
peak_rss() {
  local vus=$1 pid peak=0 v
  "$k6" run --quiet --no-usage-report --address 127.0.0.1:0 -e VUS="$vus" -e DURATION="$RSS_DURATION" \
    -e LEDGER_EVENTS="$LEDGER_EVENTS" "$EVENTS_SCRIPT" >"$logs/rss-$vus.out" 2>"$logs/rss-$vus.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    if [ -n "$v" ] && [ "$v" -gt "$peak" ]; then peak=$v; fi
    sleep 0.2
  done
  if ! wait "$pid"; then
    echo "bench-k6: the RSS run with $vus VUs failed (see $logs/rss-$vus.err)" >&2
    exit 1
  fi
  echo "$peak"
}
rss1=$(peak_rss 1) || exit 1
rssn=$(peak_rss "$RSS_VUS") || exit 1
rss_per_vu=$(awk -v a="$rss1" -v b="$rssn" -v n="$RSS_VUS" 'BEGIN { printf "%.1f", (b - a) / (n - 1) / 1024 }')
echo "rss (peak VmHWM of k6 while signing; ledger of $LEDGER_EVENTS entries per VU): 1 VU $(awk -v a="$rss1" 'BEGIN { printf "%.0f", a / 1024 }') MB, $RSS_VUS VUs $(awk -v a="$rssn" 'BEGIN { printf "%.0f", a / 1024 }') MB, $rss_per_vu MB per extra VU"

native_ratio=NA
ves=$ROOT/target/release/ves
if [ -x "$ves" ]; then
  native_line=$("$ves" bench --seconds "$NATIVE_SECONDS" 2>"$logs/native.err" | tail -n 1)
  native_events=$(field events_per_s "$native_line")
  if [ -n "$native_events" ] && [ "$native_events" -gt 0 ]; then
    native_ratio=$(awk -v a="$events_vu1" -v b="$native_events" 'BEGIN { printf "%.3f", a / b }')
    echo "native: $native_line"
  else
    echo "native: \`ves bench\` gave no events_per_s (see $logs/native.err): native_ratio=NA"
  fi
else
  echo "native: $ves is missing (build it with \`cargo build --release -p ves-cli\`): native_ratio=NA"
fi

target() { if [ "$1" -ge "$2" ]; then echo "met"; else echo "MISSED"; fi; }
echo "per VU: events/s 1 VU $events_vu1 ($(target "$events_vu1" 1500) >= 1500)${events_vu1_gogc:+ ($events_vu1_gogc with GOGC=$BENCH_GOGC)}, 2 VUs $events_vu2 each; proofs/s $proofs_vu1 ($(target "$proofs_vu1" 5000) >= 5000); rss $rss_per_vu MB per extra VU ($(awk -v r="$rss_per_vu" 'BEGIN { print (r <= 15 ? "met" : "MISSED") }') <= 15); load average now $(loadavg)"
echo "bench-k6: events_per_s_vu1=$events_vu1 proofs_per_s_vu1=$proofs_vu1 rss_mb_per_vu=$rss_per_vu native_ratio=$native_ratio"
