#!/usr/bin/env bash
# `make bench-devserver`: ingest throughput of ves-devserver at batch 100 over 4 streams, with the
# Rust load client crates/ves-devserver/examples/ingest_bench.rs (pre-signed bodies, 8 HTTP
# connections), once with --sync normal and once with --sync full. Prints events/s and
# p50/p95/p99 per request. EVENTS (default 100000) sets the size of each run.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-100000}
cargo build --release --quiet -p ves-devserver --bin ves-devserver --example ingest_bench
for sync in normal full; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  data=$(mktemp -d)
  target/release/ves-devserver --listen "127.0.0.1:$port" --data "$data" --sync "$sync" >"$data/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== --sync $sync"
  target/release/examples/ingest_bench --url "http://127.0.0.1:$port" --streams 4 --batch 100 --connections 8 --events "$EVENTS"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
done
