// Every workspace manifest (the root, packages/*, examples/*) declares `engines.node`, and the range
// is honest both ways:
//   - it admits no Node version that a dependency it brings along does not admit: the range is a
//     subset of the `engines.node` of every package in the installed closure of its
//     `dependencies` and its required (non-optional) `peerDependencies` (the versions in
//     node_modules, the ones CI tests and a fresh install resolves), the root's `devDependencies`
//     included (the root's range is the one the monorepo's tooling runs on);
//   - it starts at a major the whole suite runs on in CI (scripts/ci/node-runtimes.mjs), and every
//     tested runtime at or above that start satisfies it.
// Optional peers (replay's transports, say) are the user's pick; each brings its own `engines`.
// Usage: node scripts/ci/check-engines.mjs       (after `npm ci`)
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import semver from 'semver';
import { PINNED_NODE_VERSIONS, TESTED_NODE_MAJORS } from './node-runtimes.mjs';
import { repoRoot } from './published-packages.mjs';

function workspaceDirs() {
  const dirs = [repoRoot];
  for (const group of ['packages', 'examples']) {
    const base = join(repoRoot, group);
    for (const d of readdirSync(base, { withFileTypes: true })) {
      if (d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
        dirs.push(join(base, d.name));
    }
  }
  return dirs;
}

function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Node's lookup of a bare package name from a directory: node_modules of it and of its parents. */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The names a package brings along: its dependencies and its required peers. */
function edges(manifest, { dev = false } = {}) {
  const optional = new Set(
    Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta?.optional === true)
      .map(([name]) => name),
  );
  const names = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((n) => !optional.has(n)),
    ...(dev ? Object.keys(manifest.devDependencies ?? {}) : []),
  ];
  return [...new Set(names)];
}

/** Every package of the closure that declares `engines.node`, with the path it is reached by. */
function constraints(dir, manifest, { dev }) {
  const found = [];
  const seen = new Set([dir]);
  const queue = edges(manifest, { dev }).map((name) => ({ name, from: dir, path: [name] }));
  while (queue.length > 0) {
    const { name, from, path } = queue.shift();
    const at = locate(name, from);
    if (!at || seen.has(at)) continue;
    seen.add(at);
    const m = readManifest(at);
    const range = m.engines?.node;
    if (range) found.push({ who: `${m.name}@${m.version}`, range, path });
    for (const next of edges(m)) queue.push({ name: next, from: at, path: [...path, next] });
  }
  return found;
}

const problems = [];
let checked = 0;
for (const dir of workspaceDirs()) {
  checked++;
  const manifest = readManifest(dir);
  const where = relative(repoRoot, dir) || '(root)';
  const fail = (msg) => problems.push(`${where}: ${msg}`);
  const range = manifest.engines?.node;
  if (!range || !semver.validRange(range)) {
    fail(`\`engines.node\` missing or invalid (${JSON.stringify(range)})`);
    continue;
  }
  const floor = semver.minVersion(range);
  if (!TESTED_NODE_MAJORS.includes(floor.major)) {
    fail(
      `engines.node "${range}" starts at Node ${floor.major}, which CI does not test (${TESTED_NODE_MAJORS.join(', ')})`,
    );
  }
  for (const major of TESTED_NODE_MAJORS.filter((m) => m >= floor.major)) {
    if (!semver.intersects(range, `^${major}.0.0`))
      fail(`engines.node "${range}" leaves out the tested Node ${major}`);
  }
  for (const version of PINNED_NODE_VERSIONS.filter((v) => semver.major(v) >= floor.major)) {
    if (!semver.satisfies(version, range))
      fail(`engines.node "${range}" leaves out the tested Node ${version}`);
  }
  for (const c of constraints(dir, manifest, { dev: dir === repoRoot })) {
    if (!semver.subset(range, c.range)) {
      fail(
        `engines.node "${range}" admits Node versions that ${c.who} does not ("${c.range}", via ${c.path.join(' -> ')})`,
      );
    }
  }
}

if (problems.length > 0) {
  console.error(problems.map((p) => `  ${p}`).join('\n'));
  console.error(`check-engines: FAIL — ${problems.length} problem(s) in ${checked} manifest(s)`);
  process.exit(1);
}
console.log(
  `check-engines: OK — ${checked} manifest(s): engines.node within every dependency's and required peer's engines, starting at a tested major (${TESTED_NODE_MAJORS.join(', ')})`,
);
