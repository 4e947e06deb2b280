#!/usr/bin/env bash
# Prints the Python of .venv-e2e/, making it first when missing: pytest and its plugins, pinned by
# hash (tests/e2e/requirements.txt), for the end-to-end suite.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-e2e
if ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r tests/e2e/requirements.txt >&2
fi
echo "$PWD/$venv/bin/python"
