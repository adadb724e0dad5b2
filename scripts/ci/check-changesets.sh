#!/usr/bin/env bash
# `changeset status` against the base branch (a package changed without a changeset fails), plus
# the version policy guard on the plan of *all* pending changesets
# (scripts/ci/check-release-plan.mjs): no accidental 1.0.0, linked packages land on one version.
#
# changesets diffs against `git merge-base <since> HEAD`. A fresh clone of main has a local
# `main`; a CI checkout of a branch often has only `origin/main`; a detached single-commit
# checkout may have neither. We pick the first that exists and say which one was used.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"

since=""
for ref in origin/main main; do
  if git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then since=$ref; break; fi
done
if [ -z "$since" ]; then
  since=HEAD
  echo "note: neither origin/main nor main exists in this checkout; comparing against HEAD (only uncommitted changes count)"
fi
echo "changeset status --since $since"

if ! changeset status --since "$since"; then
  echo "check-changesets: FAIL — changeset status (a package changed since $since without a changeset? run \`npm run changeset\`)"
  exit 1
fi
if ! node scripts/ci/check-release-plan.mjs; then
  echo "check-changesets: FAIL — release plan breaks the version policy"
  exit 1
fi
echo "check-changesets: OK — changeset status since $since, release plan within the version policy"
