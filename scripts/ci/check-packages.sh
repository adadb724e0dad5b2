#!/usr/bin/env bash
# Release checks for every published package (packages/*/package.json without "private": true):
# publint --strict, attw (strict profile: node10, node16 from CJS and ESM, bundler), the manifest
# and exports <-> tsup entries check, and `npm publish --dry-run`. Assumes `npm run build` ran.
# A package without src/index.ts yet is skipped with a note.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"

failures=()
mapfile -t dirs < <(node scripts/ci/published-packages.mjs --ready)

for dir in "${dirs[@]}"; do
  name=$(node -p "require('./$dir/package.json').name")
  echo "--- $name ($dir)"
  before=${#failures[@]}
  out=$(publint run "$dir" --strict 2>&1) || { echo "$out"; failures+=("publint $name"); }
  out=$(attw --pack "$dir" --profile strict --format ascii --no-emoji --no-color 2>&1) \
    || { echo "$out"; failures+=("attw $name"); }
  out=$(cd "$dir" && npm publish --dry-run --ignore-scripts 2>&1) \
    || { echo "$out"; failures+=("npm publish --dry-run $name"); }
  [ ${#failures[@]} -eq "$before" ] && echo "    publint, attw, publish dry run: ok"
done

node scripts/ci/check-manifests.mjs || failures+=("manifests")
node scripts/ci/check-api.mjs || failures+=("api (exports <-> README lists)")

if [ ${#failures[@]} -gt 0 ]; then
  echo "check-packages: FAIL — ${failures[*]}"
  exit 1
fi
echo "check-packages: OK — ${#dirs[@]} package(s): publint --strict, attw (strict), manifests, exports ↔ tsup, API ↔ README, publish dry run"
