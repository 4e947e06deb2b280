#!/usr/bin/env bash
# Benchmark behind the canonical body spelling and RFC 8785 numbers in k6
# (tests/k6/bench/spelling.js; figures in docs/REPLAY.md "One spelling" and docs/JS.md):
#   - k6 CPU to build a 100-event body with raw UTF-8 and in the canonical ASCII spelling;
#   - k6 CPU per post of that body, raw and ASCII (process CPU of N posts to a loopback sink,
#     minus a run of 0 posts; the sink is a small Python HTTP server that discards bodies);
#   - the cost of numberText's check per number and per payload.
# Prints `bench-spelling:` lines; the last one is
#   bench-spelling: post_raw_us=N post_ascii_us=N
# Environment: K6, N (posts per run, default 2000). The machine may be shared: read ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
k6=$(scripts/install-k6.sh)
N=${N:-2000}
logs=results/bench-spelling
mkdir -p "$logs"
k6run() { "$k6" run --quiet --no-usage-report --address 127.0.0.1:0 "$@" tests/k6/bench/spelling.js; }

echo "bench-spelling: $("$k6" version | head -n 1); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
k6run -e MODE=build 2>&1 | grep -o 'bench-spelling: [^"]*'

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" <<'EOF' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
EOF
sink=$!
trap 'kill $sink 2>/dev/null' EXIT
sleep 0.5

cpu() { # CPU seconds of one k6 run posting $2 bodies in encoding $1
  local TIMEFORMAT='%U %S'
  { time k6run -e MODE=post -e ENCODING="$1" -e N="$2" -e URL="http://127.0.0.1:$port/" >"$logs/post-$1-$2.log" 2>&1; } 2>"$logs/time-$1-$2"
  awk '{ printf "%.3f", $1 + $2 }' "$logs/time-$1-$2"
}
line="bench-spelling:"
for enc in raw ascii; do
  base=$(cpu "$enc" 1)
  full=$(cpu "$enc" "$N")
  us=$(awk -v a="$full" -v b="$base" -v n="$N" 'BEGIN { printf "%.0f", (a - b) * 1e6 / (n - 1) }')
  echo "bench-spelling: post encoding=$enc k6_cpu_s=$full (1 post: $base) per_post_us=$us"
  line="$line post_${enc}_us=$us"
done
echo "$line"
