#!/usr/bin/env bash
# The one test command (`make test`, run by .ci/run). Runs every suite, keeps going after a
# failure so that one run shows everything, and ends with one line:
#   test summary: N passed, N failed
# where N counts suites; each suite's own counts are printed just above it.
set -uo pipefail
cd "$(dirname "$0")/.."

LOGS=results/test-logs
mkdir -p "$LOGS"
declare -a NAMES=() RESULTS=() DETAILS=()

note() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# record NAME DETAIL_FN LOG RC : one line of the summary.
record() {
  NAMES+=("$1")
  RESULTS+=("$([ "$4" -eq 0 ] && echo PASS || echo "FAIL (exit $4)")")
  DETAILS+=("$($2 "$3")")
}

# CPU seconds (user + system) of the finished child processes so far: a suite's cost on a shared
# machine, where wall time depends on everyone else's load.
# (/proc/<this shell>/stat: cutime and cstime, in clock ticks; fields counted after the ")" that
# closes the command name.)
TICKS=$(getconf CLK_TCK)
child_cpu() { sed 's/.*) //' "/proc/$$/stat" | awk -v hz="$TICKS" '{ printf "%d", ($14 + $15) / hz }'; }

# run_suite NAME DETAIL_FN CMD... : runs CMD with its output shown and logged; DETAIL_FN
# extracts the suite's own counts from the log.
run_suite() {
  local name=$1 detail_fn=$2; shift 2
  note "$name: $*"
  local log="$LOGS/$name.log" start=$SECONDS cpu; cpu=$(child_cpu)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  echo "($name: $((SECONDS - start)) s, CPU $(( $(child_cpu) - cpu )) s)"
  record "$name" "$detail_fn" "$log" "$rc"
}

# start_suite NAME CMD... : runs CMD in the background, its output in its log only, while the
# next suites run; finish_suite NAME DETAIL_FN waits for it and shows the log. Only for suites
# whose outcome does not depend on a CPU share (scripts/e2e-tests.sh --side-by-side).
declare -A BG_PID=() BG_START=()
start_suite() {
  local name=$1; shift
  note "$name (in the background, shown when it ends): $*"
  "$@" >"$LOGS/$name.log" 2>&1 &
  BG_PID[$name]=$!
  BG_START[$name]=$SECONDS
}
finish_suite() {
  local name=$1 detail_fn=$2 cpu; cpu=$(child_cpu)
  wait "${BG_PID[$name]}"
  local rc=$?
  note "$name (started in the background $((SECONDS - BG_START[$name])) s ago; CPU $(( $(child_cpu) - cpu )) s)"
  cat "$LOGS/$name.log"
  record "$name" "$detail_fn" "$LOGS/$name.log" "$rc"
}

cargo_counts() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "%d tests passed, %d failed", p, f }' "$1"
}
last_line_matching() { grep -E "$2" "$1" | tail -n 1; }
conformance_counts() { last_line_matching "$1" '^conformance( data)?:'; }
k6_counts() { last_line_matching "$1" '^k6 tests:'; }
types_line() { last_line_matching "$1" '^types:'; }
e2e_counts() { grep -E '^=+ .*(passed|failed|error|deselected).* in [0-9.]+s' "$1" | sed 's/=//g; s/^ *//; s/ *$//' | paste -sd';'; }
nothing() { :; }

run_suite lint nothing bash -c 'cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings'
run_suite types types_line scripts/check-types.sh
run_suite build nothing cargo build --release -p ves-cli -p ves-devserver
# In release, as the build above: the dependencies are compiled once (a debug build compiled them again).
run_suite cargo-test cargo_counts cargo test --workspace --release
# The conformance data: the repository's tests/vectors (or VES_VECTORS_DIR), found and checked by
# scripts/vectors-dir.sh; missing or partial data fails this suite with the file's name.
run_suite conformance conformance_counts bash -c 'files=$(scripts/vectors-dir.sh --files) &&
  mapfile -t files <<<"$files" && target/release/ves conformance "${files[@]}"'
# The generated references (docs/CONFIG.md, CLI.md, FAULTS.md) equal what their sources make, every
# environment variable read is declared, CONTRIBUTING and the README's index name every part.
docs_counts() { last_line_matching "$1" '^docs:'; }
run_suite docs docs_counts scripts/docs.sh --check
# The end-to-end suite (tests/e2e, pytest; tests/e2e/README.md), but for the tests whose outcome
# depends on a CPU share: nothing in it depends on this machine's speed (bounds in seconds), so it
# runs beside the next suites (which leave target/release/ves* alone), on two pytest-xdist
# workers. Its JUnit XML: results/e2e-junit.xml.
start_suite e2e scripts/e2e-tests.sh --side-by-side
# ves-wasm (docs/WASM.md): the core as WebAssembly (make wasm, built twice to the same bytes),
# byte-equal to the native core in Node (repository vectors and `ves vectors`), and the proof
# inspector in headless Chromium.
node_counts() { awk '/^# (pass|fail) [0-9]+$/ { c[$2] = $3 } END { printf "%d tests passed, %d failed", c["pass"], c["fail"] }' "$1"; }
run_suite wasm-build nothing scripts/wasm-repro.sh --quick  # make wasm, twice: same bytes
run_suite wasm-node node_counts node --test crates/ves-wasm/tests-node/
run_suite wasm-browser node_counts node --test crates/ves-wasm/tests-browser/
run_suite k6-tests k6_counts bash -c 'target/release/ves vectors --seed 1 --count 2000 --out results/vectors.json &&
  VES_VECTORS_FILE="$PWD/results/vectors.json" scripts/k6-tests.sh'
finish_suite e2e e2e_counts
# The end-to-end tests whose outcome depends on a CPU share (`ves capacity`), one at a time, with
# nothing else running. JUnit XML: results/e2e-cpu-share-junit.xml.
run_suite e2e-cpu-share e2e_counts scripts/e2e-tests.sh --cpu-share

note "summary ($SECONDS s, CPU $(child_cpu) s)"
passed=0 failed=0
for i in "${!NAMES[@]}"; do
  printf '  %-14s %-16s %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${DETAILS[$i]}"
  if [ "${RESULTS[$i]}" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "test summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
