#!/usr/bin/env bash
# Every public export of every published package has a TSDoc summary and an @example.
cd "$(dirname "$0")/../.."
if node scripts/ci/check-tsdoc.mjs; then echo "check-tsdoc: OK"; else echo "check-tsdoc: FAIL — offenders above"; exit 1; fi
