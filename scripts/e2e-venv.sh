#!/usr/bin/env bash
# Prints the Python of .venv-e2e/, making it first when missing or when tests/e2e/requirements.txt
# changed since: pytest, its plugins and the suite's libraries, pinned by hash, wheels only.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-e2e
req=tests/e2e/requirements.txt
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ] || ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: -r "$req" >&2
  echo "$want" >"$venv/.requirements.sha256"
fi
echo "$PWD/$venv/bin/python"
