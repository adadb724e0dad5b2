#!/usr/bin/env bash
# Every workspace manifest's `engines.node` is inside the engines of what it brings along
# (dependencies and required peers, as installed) and starts at a Node major CI runs the suite on.
set -uo pipefail
cd "$(dirname "$0")/../.."
node scripts/ci/check-engines.mjs
