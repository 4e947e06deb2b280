#!/usr/bin/env bash
# `make capacity`: a capacity search (docs/CAPACITY.md) against a fresh local ves-devserver on a
# free port, replaying a corpus pre-signed here by `ves presign`, sized for the whole plan.
#   START (1000) STEP (1000) MAX_RATE (10000) events/s, STAGE_SECONDS (10), STREAMS (4),
#   BATCH_SIZE (100), CAPACITY_ARGS (more `ves capacity` flags, e.g. "--refine 2 --baseline FILE")
# Writes RESULTS_DIR (results)/capacity.json and capacity.html; the corpus is kept in
# results/capacity-corpus and re-signed only when the plan needs a larger one.
set -euo pipefail
cd "$(dirname "$0")/.."

K6=$(scripts/install-k6.sh)
export K6
START=${START:-1000} STEP=${STEP:-1000} MAX_RATE=${MAX_RATE:-10000} STAGE_SECONDS=${STAGE_SECONDS:-10}
STREAMS=${STREAMS:-4} BATCH_SIZE=${BATCH_SIZE:-100}
RESULTS_DIR=${RESULTS_DIR:-results}
CORPUS=results/capacity-corpus

# Batches the plan can send (every stage from START to MAX_RATE), in whole groups of STREAMS shards.
need=$(python3 -c "import math; r=range($START, $MAX_RATE + 1, $STEP); print(sum(math.ceil(x * $STAGE_SECONDS / $BATCH_SIZE) for x in r))")
per_vu=500
vus=$(( (need + per_vu * STREAMS - 1) / (per_vu * STREAMS) * STREAMS ))
have=$(python3 -c "import json; m=json.load(open('$CORPUS/manifest.json')); print(m['vus']*m['batches_per_vu'] if m['batch_size']==$BATCH_SIZE and m['streams']==$STREAMS else 0)" 2>/dev/null || echo 0)
if [ "$have" -lt "$need" ]; then
  echo "make capacity: pre-signing $((vus * per_vu)) batches of $BATCH_SIZE events into $CORPUS"
  rm -rf "$CORPUS"
  target/release/ves presign --out "$CORPUS" --vus "$vus" --batches-per-vu "$per_vu" --batch-size "$BATCH_SIZE" --streams "$STREAMS"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
mkdir -p "$RESULTS_DIR"
target/release/ves-devserver --listen "127.0.0.1:$port" --data "$data" >"$RESULTS_DIR/capacity-devserver.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
export SEQUENCER_PUBLIC_KEY
SEQUENCER_PUBLIC_KEY=$(cat "$data/sequencer.pub")
# shellcheck disable=SC2086 # CAPACITY_ARGS is a list of flags
target/release/ves capacity --target "http://127.0.0.1:$port" --corpus "$CORPUS" --start "$START" --step "$STEP" \
  --max-rate "$MAX_RATE" --stage-seconds "$STAGE_SECONDS" --results-dir "$RESULTS_DIR" ${CAPACITY_ARGS:-}
