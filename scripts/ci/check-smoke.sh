#!/usr/bin/env bash
# Consumer smoke test (scripts/ci/smoke/run.sh): pack, install outside the workspace, import and
# require (every entry point, subpaths included), tsc --strict (nodenext, bundler), a two-model
# memory-transport rendezvous; and, first, the fixture imports only names the READMEs list.
cd "$(dirname "$0")/../.."
# The consumer imports only documented names: each one it imports is in its package's README list.
if ! node scripts/ci/check-api.mjs --imports scripts/ci/smoke/fixture/*.{ts,cts,mjs,cjs}; then
  echo "check-smoke: FAIL — the consumer imports a name its package's README does not list"
  exit 1
fi
if bash scripts/ci/smoke/run.sh; then
  echo "check-smoke: OK"
else
  echo "check-smoke: FAIL — see the [smoke] step above"
  exit 1
fi
