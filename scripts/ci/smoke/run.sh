#!/usr/bin/env bash
# Consumer smoke test: what a user gets from `npm install`.
#   1. `npm pack` every published package (packages/*/package.json without "private": true);
#   2. install the tarballs, rxjs, typescript and @types/node into a fresh project made with
#      mktemp -d, outside the workspace (so nothing resolves through the workspace's node_modules);
#      with --engine-strict when every package's `engines` admits this node, so a dependency
#      (npm installs the peers too) that does not admit it fails the install;
#   3. load every entry point (subpaths included) through `import` and through `require` (same
#      export names);
#   4. type-check a small consumer with `tsc --strict` under moduleResolution nodenext (ESM and
#      a .cts CommonJS file) and bundler, library .d.ts included (skipLibCheck: false);
#   5. run a two-model rendezvous on the in-memory transport end to end, from the ESM and the
#      CJS builds, and assert the answer.
# Runs on the `node` first on the PATH (check-smoke.sh runs it once per runtime of the matrix).
# Assumes `npm run build` ran. A package without src/index.ts yet is skipped with a note.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
fixture="$root/scripts/ci/smoke/fixture"
cd "$root"

work=$(mktemp -d -t rendezvous-smoke.XXXXXX)
keep=${RENDEZVOUS_SMOKE_KEEP:-}
cleanup() { if [ -z "$keep" ]; then rm -rf "$work"; else echo "kept $work"; fi; }
trap cleanup EXIT
case "$work" in "$root"/*) echo "smoke: the temp dir $work is inside the workspace" >&2; exit 1 ;; esac

step() { printf '  [smoke] %s\n' "$1"; }

mapfile -t dirs < <(node scripts/ci/published-packages.mjs --ready)
names=()
mkdir -p "$work/tarballs" "$work/consumer"
step "npm pack ${#dirs[@]} package(s)"
for dir in "${dirs[@]}"; do
  names+=("$(node -p "require('./$dir/package.json').name")")
  (cd "$dir" && npm pack --silent --pack-destination "$work/tarballs" >/dev/null)
done

cd "$work/consumer"
cp "$fixture"/* .
cat > package.json <<JSON
{ "name": "rendezvous-smoke-consumer", "version": "0.0.0", "private": true, "type": "module" }
JSON
{
  echo '// Generated: every published package, so tsc checks each one'"'"'s emitted .d.ts.'
  i=0
  for name in "${names[@]}"; do echo "import * as p$i from '$name';"; i=$((i + 1)); done
  echo "export const all: readonly object[] = [$(for ((j = 0; j < i; j++)); do printf 'p%s, ' "$j"; done)];"
} > all-packages.ts

# The packages whose `engines.node` does not admit this node (none: the install is engine-strict).
refusing=$(cd "$root" && node -e '
  const semver = require("semver");
  const out = process.argv.slice(1).map((d) => require(`./${d}/package.json`))
    .filter((m) => !semver.satisfies(process.version, m.engines?.node ?? "*"))
    .map((m) => `${m.name} (${m.engines.node})`);
  console.log(out.join(", "));' "${dirs[@]}")
strict=(--engine-strict)
if [ -n "$refusing" ]; then
  strict=()
  step "note: not engine-strict on Node $(node -v): $refusing"
fi
step "npm install${strict[*]:+ ${strict[*]}} the tarballs + rxjs, typescript, @types/node from the registry"
ts_version=$(node -p "require('$root/node_modules/typescript/package.json').version")
npm install --no-audit --no-fund --loglevel=error "${strict[@]}" \
  "$work"/tarballs/*.tgz rxjs@^7.8.2 "typescript@$ts_version" "@types/node@^$(node -p "process.versions.node.split('.')[0]")" >/dev/null

step "import (ESM) and require (CJS) of every entry point of every package"
mapfile -t specifiers < <(cd "$root" && node scripts/ci/entry-points.mjs)
node load-all.mjs "${specifiers[@]}"

# skipLibCheck is off so our emitted .d.ts are checked as a consumer compiles them. An error inside
# a third-party package's own .d.ts (say, a broker client referring to its optional dependency)
# is not ours to fix: it is printed as a note; any other error fails the test.
for mode in nodenext bundler; do
  step "tsc --strict, moduleResolution $mode"
  if ! out=$(npx --no-install tsc -p "tsconfig.$mode.json" --pretty false 2>&1); then
    ours=$(grep -E '^[^ ].*error TS' <<<"$out" | grep -vE '^node_modules/' ; grep -E '^node_modules/@rendezvous-ml/.*error TS' <<<"$out" || true)
    theirs=$(grep -E '^node_modules/.*error TS' <<<"$out" | grep -vE '^node_modules/@rendezvous-ml/' || true)
    [ -n "$theirs" ] && printf '  note: error(s) in third-party declarations, not checked:\n%s\n' "$(sed 's/^/    /' <<<"$theirs")"
    if [ -n "$ours" ] || [ -z "$theirs" ]; then
      echo "$out"
      exit 1
    fi
  fi
done

step "memory-transport rendezvous with two models, end to end"
timeout 60 node e2e.mjs
timeout 60 node e2e.cjs

echo "smoke: OK on Node $(node -v)${strict[*]:+ (engine-strict install)} — ${#names[@]} package(s) packed and installed outside the workspace; ESM + CJS load, tsc --strict (nodenext, bundler), two-model rendezvous"
