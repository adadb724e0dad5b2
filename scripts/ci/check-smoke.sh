#!/usr/bin/env bash
# Consumer smoke test (scripts/ci/smoke/run.sh): pack, install outside the workspace, import and
# require (every entry point, subpaths included), tsc --strict (nodenext, bundler), a two-model
# memory-transport rendezvous; and, first, the fixture imports only names the READMEs list.
# It runs once per Node.js runtime of the matrix (scripts/ci/node-runtimes.mjs): the machine's
# node with the PATH as it is, then each pinned one's bin dir first on the PATH.
cd "$(dirname "$0")/../.."
# The consumer imports only documented names: each one it imports is in its package's README list.
if ! node scripts/ci/check-api.mjs --imports scripts/ci/smoke/fixture/*.{ts,cts,mjs,cjs}; then
  echo "check-smoke: FAIL — the consumer imports a name its package's README does not list"
  exit 1
fi
if ! pinned=$(node scripts/ci/node-runtimes.mjs fetch); then
  echo "check-smoke: FAIL — the pinned Node.js runtimes could not be fetched"
  exit 1
fi
bins=("")
while read -r _version bin; do bins+=("$bin"); done <<<"$pinned"
failed=()
passed=()
for bin in "${bins[@]}"; do
  path=${bin:+$bin:}$PATH
  version=$(PATH="$path" node -v)
  echo "  [smoke] on Node $version"
  if PATH="$path" bash scripts/ci/smoke/run.sh; then passed+=("$version"); else failed+=("$version"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "check-smoke: FAIL on Node ${failed[*]} — see the [smoke] steps above"
  exit 1
fi
echo "check-smoke: OK on Node ${passed[*]}"
