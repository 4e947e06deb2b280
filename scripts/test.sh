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

# run_suite NAME DETAIL_FN CMD... : runs CMD with its output shown and logged; DETAIL_FN
# extracts the suite's own counts from the log.
run_suite() {
  local name=$1 detail_fn=$2; shift 2
  note "$name: $*"
  local log="$LOGS/$name.log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  NAMES+=("$name")
  RESULTS+=("$([ "$rc" -eq 0 ] && echo PASS || echo "FAIL (exit $rc)")")
  DETAILS+=("$($detail_fn "$log")")
}

cargo_counts() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "%d tests passed, %d failed", p, f }' "$1"
}
last_line_matching() { grep -E "$2" "$1" | tail -n 1; }
conformance_counts() { last_line_matching "$1" '^conformance( data)?:'; }
k6_counts() { last_line_matching "$1" '^k6 tests:'; }
scenario_counts() { last_line_matching "$1" '^scenario tests:'; }
types_line() { last_line_matching "$1" '^types:'; }
capacity_counts() { last_line_matching "$1" '^capacity tests:'; }
nothing() { :; }

run_suite lint nothing bash -c 'cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings'
run_suite types types_line scripts/check-types.sh
run_suite cargo-test cargo_counts cargo test --workspace
run_suite build nothing cargo build --release -p ves-cli -p ves-devserver
# The conformance data: the repository's tests/vectors (or VES_VECTORS_DIR), found and checked by
# scripts/vectors-dir.sh; missing or partial data fails this suite with the file's name.
run_suite conformance conformance_counts bash -c 'files=$(scripts/vectors-dir.sh --files) &&
  mapfile -t files <<<"$files" && target/release/ves conformance "${files[@]}"'
# The generated references (docs/CONFIG.md, CLI.md, FAULTS.md) equal what their sources make, every
# environment variable read is declared, CONTRIBUTING and the README's index name every part.
docs_counts() { last_line_matching "$1" '^docs:'; }
run_suite docs docs_counts scripts/docs.sh --check
# ves-wasm (docs/WASM.md): the core as WebAssembly (make wasm, built twice to the same bytes),
# byte-equal to the native core in Node (repository vectors and `ves vectors`), and the proof
# inspector in headless Chromium.
node_counts() { awk '/^# (pass|fail) [0-9]+$/ { c[$2] = $3 } END { printf "%d tests passed, %d failed", c["pass"], c["fail"] }' "$1"; }
run_suite wasm-build nothing scripts/wasm-repro.sh --quick  # make wasm, twice: same bytes
run_suite wasm-node node_counts node --test crates/ves-wasm/tests-node/
run_suite wasm-browser node_counts node --test crates/ves-wasm/tests-browser/
run_suite k6-tests k6_counts bash -c 'target/release/ves vectors --seed 1 --count 2000 --out results/vectors.json &&
  VES_VECTORS_FILE="$PWD/results/vectors.json" scripts/k6-tests.sh'
run_suite scenarios scenario_counts scripts/scenario-tests.sh
# The end-to-end suite in pytest (tests/e2e): real k6, ves and ves-devserver processes; JUnit XML
# in results/e2e-junit.xml; pytest's own counts are printed in its last line.
pytest_counts() { last_line_matching "$1" '^=+ .*(passed|failed|error).* in [0-9.]+s'; }
run_suite e2e pytest_counts bash -c 'py=$(scripts/e2e-venv.sh) && "$py" -m pytest tests/e2e --junitxml=results/e2e-junit.xml'
# Beyond one process (docs/SCALE.md): ves audit, execution segments, the k6-operator manifest.
scale_counts() { last_line_matching "$1" '^(scale tests|k8s manifests):'; }
run_suite scale scale_counts scripts/scale-tests.sh
# jsonschema and PyYAML, pinned, in .venv-scale/ (.ci/run installs them; made here when missing).
run_suite k8s-manifests scale_counts bash -c '{ [ -x .venv-scale/bin/python ] || python3 -m venv .venv-scale; } &&
  { .venv-scale/bin/python -c "import jsonschema, yaml" 2>/dev/null ||
    .venv-scale/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-scale.txt; } &&
  .venv-scale/bin/python scripts/check-k8s-manifests.py'
# ves capacity: a knee known in advance, the generator as the limit, the page in headless Chromium.
run_suite capacity capacity_counts scripts/capacity-tests.sh

note "summary"
passed=0 failed=0
for i in "${!NAMES[@]}"; do
  printf '  %-12s %-16s %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${DETAILS[$i]}"
  if [ "${RESULTS[$i]}" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "test summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
