#!/usr/bin/env bash
# Every TypeScript block of the docs (README.md, docs/**/*.md, packages/*/README.md,
# examples/*/README.md) type-checks (strict, nodenext, against the workspace sources), and the
# blocks marked ```ts runnable run on the memory transport. See scripts/ci/snippets.mjs.
cd "$(dirname "$0")/../.."
if node scripts/ci/check-snippets.mjs; then echo "check-snippets: OK"; else echo "check-snippets: FAIL — see above (file:line of each snippet)"; exit 1; fi
