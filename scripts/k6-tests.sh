#!/usr/bin/env bash
# Runs every tests/k6/*.test.js with the real k6 binary and prints one line per test
# (PASS / FAIL / SKIP), then `k6 tests: N passed, N failed, N skipped`. Exits non-zero when any
# test failed. One more case, load_imports: load/ scripts import only js/ves.js
# (scripts/check-load-imports.py).
#
#   scripts/k6-tests.sh [NAME_SUBSTRING...]
#
# Environment:
#   K6                k6 binary (default: .venv/bin/k6, then k6 on PATH)
#   VES_VECTORS_DIR   the conformance data (default the repository's tests/vectors), looked up
#                     and checked by scripts/vectors-dir.sh; missing or partial data fails the
#                     tests that read it, naming the file
#   VES_VECTORS_FILE  a `ves vectors` output file (`ves vectors --seed 1 --count 2000 --out
#                     results/vectors.json`); without it, ves_vectors fails saying so
#   VES_DOUBLES_FILE  a `ves vectors --doubles-out` file for jcs_doubles (default: written here
#                     with target/release/ves, seed 1, into the logs folder)
#   RESULTS_DIR       where the logs go (default results; logs in $RESULTS_DIR/k6-tests/)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

k6=$(scripts/install-k6.sh) || { echo "k6-tests: no k6: set K6=/path/to/k6 or put k6 on PATH" >&2; exit 2; }

absolute() { # absolute path of $1 (which may not exist), relative paths taken from the repo root
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$ROOT" "$1" ;;
  esac
}
# The one lookup (scripts/vectors-dir.sh); its error, naming the missing file, fails the tests.
vectors_error=""
vectors_dir=$(scripts/vectors-dir.sh 2>&1) || { vectors_error=$vectors_dir; vectors_dir=""; }
vectors_file=""
if [ -n "${VES_VECTORS_FILE:-}" ]; then vectors_file=$(absolute "$VES_VECTORS_FILE"); fi

logs=$(absolute "${RESULTS_DIR:-results}")/k6-tests
mkdir -p "$logs"

echo "k6-tests: $("$k6" version 2>/dev/null | head -n 1)"
echo "k6-tests: VES_VECTORS_DIR=${vectors_dir:-<missing: $vectors_error>}"
echo "k6-tests: VES_VECTORS_FILE=${vectors_file:-<unset>}"

# `ves signer` for signer_identity.test.js (docs/SIGNER.md): a real process holding the RFC 8032
# test-1 key (a published test key), on a free loopback port; stopped on exit.
signer_pid="" signer_url=""
start_signer() {
  local ves="${VES:-target/release/ves}" dir
  [ -x "$ves" ] || { echo "k6-tests: $ves not built, signer_identity will fail (cargo build --release -p ves-cli)"; return; }
  dir=$(mktemp -d)
  (umask 077 && echo 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60 >"$dir/seed")
  "$ves" signer --listen 127.0.0.1:0 --seed-file "$dir/seed" --log-interval 0 >"$dir/out" 2>"$logs/signer.log" &
  signer_pid=$!
  for _ in $(seq 100); do signer_url=$(grep -so 'url=[^ ]*' "$dir/out" | cut -d= -f2); [ -n "$signer_url" ] && break; sleep 0.1; done
}
trap '[ -n "$signer_pid" ] && kill "$signer_pid" 2>/dev/null' EXIT

# jcs_doubles.test.js: 1,000,000 seeded random-bit doubles (and fixed cases) with ves-core's
# RFC 8785 text, unless VES_DOUBLES_FILE names a file.
doubles_file=""
if [ -n "${VES_DOUBLES_FILE:-}" ]; then doubles_file=$(absolute "$VES_DOUBLES_FILE"); fi
write_doubles() {
  local ves="${VES:-target/release/ves}"
  [ -x "$ves" ] || { echo "k6-tests: $ves not built, jcs_doubles will fail (cargo build --release -p ves-cli)"; return; }
  doubles_file="$logs/doubles.txt"
  "$ves" vectors --seed 1 --doubles-out "$doubles_file" >"$logs/doubles.log" 2>&1 || doubles_file=""
}

passed=0 failed=0 skipped=0
for test in tests/k6/*.test.js; do
  name=$(basename "$test" .test.js)
  if [ $# -gt 0 ]; then
    match=0
    for want in "$@"; do case "$name" in *"$want"*) match=1 ;; esac; done
    [ $match -eq 1 ] || continue
  fi
  if [ "$name" = shared_vectors ] && [ -n "$vectors_error" ]; then
    failed=$((failed + 1))
    echo "FAIL $name: $vectors_error"
    continue
  fi
  args=(run --quiet --no-usage-report --address 127.0.0.1:0 -e "VES_VECTORS_DIR=$vectors_dir")
  if [ -n "$vectors_file" ]; then args+=(-e "VES_VECTORS_FILE=$vectors_file"); fi
  if [ "$name" = jcs_doubles ]; then
    [ -n "$doubles_file" ] || write_doubles
    args+=(-e "VES_DOUBLES_FILE=$doubles_file")
  fi
  if [ "$name" = signer_identity ]; then
    [ -n "$signer_pid" ] || start_signer
    args+=(-e "SIGNER_URL=$signer_url")
  fi
  log="$logs/$name.log"
  started=$(date +%s)
  "$k6" "${args[@]}" "$test" >"$log" 2>&1
  rc=$?
  seconds=$(($(date +%s) - started))
  skip_line=$(grep -o 'ves-test: SKIP [^"]*' "$log" | head -n 1)
  if [ $rc -eq 0 ] && [ -n "$skip_line" ]; then
    skipped=$((skipped + 1))
    echo "SKIP $name: ${skip_line#ves-test: SKIP $name: }"
  elif [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    summary=$(grep -o "$name: [0-9]* cases, [0-9]* checks, [0-9]* failed" "$log" | tail -n 1)
    echo "PASS $name (${seconds}s) ${summary#"$name: "}"
  else
    failed=$((failed + 1))
    echo "FAIL $name (exit $rc, ${seconds}s; log: $log)"
    # The failed assertions and the crossed thresholds, so the reason is visible here.
    grep -E 'FAIL |level=error|✗|crossed' "$log" | sed 's/^time="[^"]*" //' | head -n 20 | sed 's/^/    /'
  fi
done

# load/ scripts import only js/ves.js (scripts/check-load-imports.py); the check must also fire on
# a script that imports a module of js/ directly.
wanted() { [ $# -eq 0 ] && return 0; for want in "$@"; do case load_imports in *"$want"*) return 0 ;; esac; done; return 1; }
if wanted "$@"; then
  bad=$(mktemp -d)
  mkdir -p "$bad/load"
  printf "import { guard } from '../js/ves.js';\nimport { Ledger } from '../js/ledger.js';\n" >"$bad/load/bad.js"
  mine=$(python3 scripts/check-load-imports.py load js 2>&1); rc_mine=$?
  theirs=$(python3 scripts/check-load-imports.py "$bad/load" "$bad/js" 2>&1); rc_bad=$?
  rm -rf "$bad"
  if [ $rc_mine -eq 0 ] && [ $rc_bad -eq 1 ] && [[ "$theirs" == *"bad.js:2: imports ../js/ledger.js"* ]]; then
    passed=$((passed + 1))
    echo "PASS load_imports: $mine; a direct import of js/ledger.js is caught"
  else
    failed=$((failed + 1))
    echo "FAIL load_imports: load/ (exit $rc_mine): $mine | a bad script (exit $rc_bad, want 1): $theirs"
  fi
fi

echo "k6 tests: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
