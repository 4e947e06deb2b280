#!/usr/bin/env bash
# The end-to-end suite (tests/e2e, pytest; how to run, select and read it: tests/e2e/README.md):
# the real k6, ves and ves-devserver processes, against target/release/{ves,ves-devserver}.
#
#   scripts/e2e-tests.sh [--side-by-side | --cpu-share] [PYTEST ARGS...]     e.g. -k smoke
#
# Two passes, both by default:
#   --side-by-side  every test not marked cpu_share, on E2E_WORKERS (default 2) pytest-xdist
#                   workers: each test has its own devserver on a free port and bounds in seconds,
#                   so tests side by side do not change each other's outcome;
#                   JUnit XML in results/e2e-junit.xml
#   --cpu-share     the tests whose outcome depends on a CPU share (marked cpu_share: `ves
#                   capacity`), one at a time; JUnit XML in results/e2e-cpu-share-junit.xml
# pytest's own counts are printed at the end of each pass; the last line sums both:
#   e2e tests: N passed, N failed, N errors, N skipped
set -uo pipefail
cd "$(dirname "$0")/.."

passes=(side-by-side cpu-share)
case "${1:-}" in
  --side-by-side) passes=(side-by-side); shift ;;
  --cpu-share) passes=(cpu-share); shift ;;
esac
py=$(scripts/e2e-venv.sh) || { echo "e2e tests: no pytest (scripts/e2e-venv.sh failed)"; exit 2; }
for b in ves ves-devserver; do
  [ -x "target/release/$b" ] || { echo "e2e tests: target/release/$b is not built: cargo build --release -p ves-cli -p ves-devserver"; exit 2; }
done
mkdir -p results
# Both passes: results/e2e/ holds this run's folders only (one per test, one per module state).
[ "${#passes[@]}" -eq 2 ] && rm -rf results/e2e

rc=0 xml=()
for pass in "${passes[@]}"; do
  if [ "$pass" = side-by-side ]; then
    out=results/e2e-junit.xml
    "$py" -m pytest tests/e2e -n "${E2E_WORKERS:-2}" --dist loadgroup -m "not cpu_share" --junitxml="$out" "$@"
  else
    out=results/e2e-cpu-share-junit.xml
    "$py" -m pytest tests/e2e -n 0 -m cpu_share --junitxml="$out" "$@"
  fi
  r=$?
  # 5: no test selected in this pass (-k chose tests of the other one only)
  if [ "$r" -eq 5 ]; then rm -f "$out"; elif [ "$r" -ne 0 ]; then rc=$r; fi
  [ -f "$out" ] && xml+=("$out")
done

"$py" - "${xml[@]}" <<'PY'
import sys
import xml.etree.ElementTree as ET
n = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for suite in ([root] if root.tag == "testsuite" else root.iter("testsuite")):
        for k in n:
            n[k] += int(suite.get(k, 0))
passed = n["tests"] - n["failures"] - n["errors"] - n["skipped"]
print(f"e2e tests: {passed} passed, {n['failures']} failed, {n['errors']} errors, {n['skipped']} skipped")
PY
exit "$rc"
