#!/usr/bin/env bash
# `make wasm`: builds crates/ves-wasm for Node.js and for browsers into two npm package folders,
#   $WASM_OUT/node  (package "ves-wasm", CommonJS, loads the .wasm with fs)
#   $WASM_OUT/web   (package "ves-wasm-web", ES module, `await init()` fetches the .wasm)
# WASM_OUT defaults to crates/ves-wasm/pkg. Installs what it needs: the wasm32 target and
# wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock (the two must
# match). Reproducible: paths are remapped and debug info is off, so the same sources give the
# same bytes from any checkout path (scripts/wasm-repro.sh checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${WASM_OUT:-$ROOT/crates/ves-wasm/pkg}
CRATE=crates/ves-wasm

bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || { echo "build-wasm: no wasm-bindgen in Cargo.lock" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]; then
  echo "build-wasm: installing wasm-bindgen-cli $bindgen_version (a few minutes, once)" >&2
  cargo install --locked wasm-bindgen-cli --version "$bindgen_version"
fi

# Only the wasm32 units see these flags (host build scripts and proc macros do not), so the
# host build's cache is untouched. Remapping makes panic locations path-independent.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=$ROOT=/ves-k6 --remap-path-prefix=$cargo_home=/cargo"
export CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
cargo build --release --locked -p ves-wasm --target wasm32-unknown-unknown
wasm=${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/release/ves_wasm.wasm

version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
license=$(awk -F'"' '/^license = / { print $2; exit }' Cargo.toml)
rm -rf "$OUT/node" "$OUT/web"
for target in node web; do
  dir=$OUT/$target
  mode=$([ "$target" = node ] && echo nodejs || echo web)
  wasm-bindgen --target "$mode" --out-dir "$dir" --out-name ves_wasm \
    --remove-name-section --remove-producers-section "$wasm"
  rm -f "$dir/.gitignore"
  sed -e "s/@VERSION@/$version/" -e "s/@LICENSE@/$license/" "$CRATE/npm/package-$target.json" > "$dir/package.json"
  cp "$CRATE/npm/README.md" "$dir/README.md"
done
echo "build-wasm: $OUT/node and $OUT/web (wasm-bindgen $bindgen_version):"
(cd "$OUT" && find node web -type f | LC_ALL=C sort | xargs sha256sum)
