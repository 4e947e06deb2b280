#!/usr/bin/env bash
# Reproducibility of `make wasm`: builds the packages here, then from a copy of this checkout
# (tracked and untracked files, not ignored ones) at another path with a fresh target dir, and
# compares every file byte for byte. Takes a full wasm build (a few minutes on 2 cores).
#   --quick  (make test): build, make cargo recompile ves-wasm itself (LTO, wasm-bindgen
#            included) by touching its sources, build again in place, and compare.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/ves-wasm-repro.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

sums() { (cd "$1" && find node web -type f | LC_ALL=C sort | xargs sha256sum); }

scripts/build-wasm.sh >/dev/null
sums crates/ves-wasm/pkg >"$tmp/here.sha256"

if [ "${1:-}" = --quick ]; then
  touch crates/ves-wasm/src/*.rs
  scripts/build-wasm.sh >/dev/null
  sums crates/ves-wasm/pkg >"$tmp/again.sha256"
  if diff -u "$tmp/here.sha256" "$tmp/again.sha256"; then
    echo "wasm-repro --quick: two builds, identical bytes ($(wc -l <"$tmp/here.sha256") files):"
    cat "$tmp/here.sha256"
    exit 0
  fi
  echo "wasm-repro --quick: the two builds differ (see above)" >&2
  exit 1
fi

mkdir -p "$tmp/elsewhere/checkout"
git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$tmp/elsewhere/checkout"
(cd "$tmp/elsewhere/checkout" && CARGO_TARGET_DIR="$tmp/target" WASM_OUT="$tmp/pkg" scripts/build-wasm.sh >/dev/null)
sums "$tmp/pkg" >"$tmp/there.sha256"

if diff -u "$tmp/here.sha256" "$tmp/there.sha256"; then
  echo "wasm-repro: identical bytes from $PWD and $tmp/elsewhere/checkout ($(wc -l <"$tmp/here.sha256") files):"
  cat "$tmp/here.sha256"
else
  echo "wasm-repro: the two builds differ (see above)" >&2
  exit 1
fi
