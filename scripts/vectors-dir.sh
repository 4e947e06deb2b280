#!/usr/bin/env bash
# The one lookup of the conformance data for the shell and k6 layers (the Rust tests use
# crates/ves-testdata, with the same rule):
#   the folder is $VES_VECTORS_DIR (a relative path is taken from the repository root), else
#   the repository's tests/vectors; it is present when every file listed in
#   tests/vectors/MANIFEST is there with the listed sha256.
#
#   scripts/vectors-dir.sh           prints the absolute folder
#   scripts/vectors-dir.sh --files   prints the absolute path of every required file
#
# Exits 1 with a message naming the missing or different file otherwise.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/tests/vectors/MANIFEST

dir=${VES_VECTORS_DIR:-$root/tests/vectors}
case "$dir" in /*) ;; *) dir=$root/$dir ;; esac
[ -d "$dir" ] && dir=$(cd "$dir" && pwd)

files=()
while read -r sum name; do
  case "$sum" in '' | '#'*) continue ;; esac
  path=$dir/$name
  if [ ! -f "$path" ]; then
    echo "conformance data: $path is missing (every file in tests/vectors/MANIFEST is required; restore it with \`git checkout tests/vectors\`, or point VES_VECTORS_DIR at a complete copy)" >&2
    exit 1
  fi
  found=$(sha256sum <"$path" | cut -d ' ' -f 1)
  if [ "$found" != "$sum" ]; then
    echo "conformance data: $path has sha256 $found, expected $sum (tests/vectors/MANIFEST): the file is partial or another version" >&2
    exit 1
  fi
  files+=("$path")
done <"$manifest"

if [ "${1:-}" = "--files" ]; then
  printf '%s\n' "${files[@]}"
else
  printf '%s\n' "$dir"
fi
