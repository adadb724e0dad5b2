#!/usr/bin/env bash
# Consumer smoke test (scripts/ci/smoke/run.sh): pack, install outside the workspace, import and
# require, tsc --strict (nodenext, bundler), a two-model memory-transport rendezvous.
cd "$(dirname "$0")/../.."
if bash scripts/ci/smoke/run.sh; then
  echo "check-smoke: OK"
else
  echo "check-smoke: FAIL — see the [smoke] step above"
  exit 1
fi
