#!/usr/bin/env bash
# Type-checks js/ves.d.ts: tests/types/scenario.ts is a small scenario written against the
# declarations, compiled by TypeScript (strict) with k6's own types (@types/k6 1.1, pinned by the
# lockfile). If the declarations drift from the library's shape, this fails.
set -euo pipefail
cd "$(dirname "$0")/../tests/types"
npm ci --silent --no-audit --no-fund
npx --no-install tsc -p .
echo "types: js/ves.d.ts checks against @types/k6 $(node -p "require('./node_modules/@types/k6/package.json').version")"
