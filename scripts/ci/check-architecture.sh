#!/usr/bin/env bash
# docs/architecture.md matches the tree: the core file table names every file of
# packages/core/src and nothing else; the package tree lists every package (#12).
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/ci/check-architecture.mjs
