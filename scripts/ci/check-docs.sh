#!/usr/bin/env bash
# Docs site: `npm run docs` (typedoc, warnings are errors), then serve docs/site on 127.0.0.1 and
# crawl it in headless chromium (scripts/ci/crawl-docs.mjs): every page loads, no console errors,
# no broken internal links, the guides and every package's API page are reached.
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! npm run --silent docs; then
  echo "check-docs: FAIL — npm run docs (typedoc) failed"
  exit 1
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "check-docs: FAIL — no chromium at ${CHROMIUM_PATH:-/usr/bin/chromium} (apt-get install chromium)"
  exit 1
fi

log=$(mktemp -t docs-serve.XXXXXX)
node scripts/docs/serve.mjs --port 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -1) && [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$url" ]; then
  cat "$log"
  echo "check-docs: FAIL — the docs server did not start"
  exit 1
fi

if node scripts/ci/crawl-docs.mjs "$url"; then
  echo "check-docs: OK — typedoc without warnings, site crawled in chromium at $url"
else
  echo "check-docs: FAIL — see the crawl above"
  exit 1
fi
