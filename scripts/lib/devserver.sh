# Sourced by the end-to-end suites (scenario-tests.sh, scale-tests.sh, capacity-tests.sh): a fresh
# ves-devserver on a free loopback port, stopped when the suite exits. The suite sets DEVSERVER
# (the binary) and OUT (its results folder) first.

PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_devserver FLAGS... : a fresh devserver (new data folder) on a free port, answering
# /health; sets URL, PUBKEY (its receipt-signing key) and PID, or exits the suite saying why.
start_devserver() {
  local port dir
  port=$(free_port); dir=$(mktemp -d)
  "$DEVSERVER" --listen "127.0.0.1:$port" --data "$dir" "$@" >"$OUT/devserver-$port.log" 2>&1 &
  PID=$!
  URL="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -fs "$URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$URL/health" >/dev/null 2>&1 && PUBKEY=$(cat "$dir/sequencer.pub" 2>/dev/null) \
    || { echo "devserver did not start: $(cat "$OUT/devserver-$port.log")"; exit 1; }
}
stop_devserver() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }
