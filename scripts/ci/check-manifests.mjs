// Checks every published package's manifest against the release rules, and keeps the `exports`
// map and the tsup entries in sync:
//   - every exports subpath (except ./package.json and data folders such as "./schemas/*") points at the outputs of one tsup entry, and
//     every tsup entry is exported;
//   - every file the manifest references (exports, main, module, types) exists after the build
//     and is inside the `files` allow-list;
//   - exports/sideEffects:false/engines.node (from a major CI tests; check-engines.mjs checks it
//     against the dependencies)/files/LICENSE/README/repository/keywords/license;
//   - broker clients are peer dependencies, never dependencies; peerDependenciesMeta only names
//     declared peers, and an optional peer must be marked optional.
// Usage: node scripts/ci/check-manifests.mjs   (after `npm run build`)
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import semver from 'semver';
import { stemOf, tsupEntries } from './entry-points.mjs';
import { TESTED_NODE_MAJORS } from './node-runtimes.mjs';
import { readyPackages } from './published-packages.mjs';

const BROKER_CLIENTS = ['kafkajs', 'ioredis', '@elastic/elasticsearch'];
const problems = [];
let checked = 0;

function collectTargets(node, conditions = [], out = []) {
  if (typeof node === 'string') out.push({ conditions, target: node });
  else if (Array.isArray(node)) for (const n of node) collectTargets(n, conditions, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) collectTargets(v, [...conditions, k], out);
  }
  return out;
}

for (const pkg of readyPackages()) {
  checked++;
  const { dir, manifest: m, name } = pkg;
  const fail = (msg) => problems.push(`${name}: ${msg}`);

  // Release fields.
  if (!m.exports || typeof m.exports !== 'object') fail('no `exports` map');
  if (m.sideEffects !== false) fail('`sideEffects` must be false');
  const nodeRange = m.engines?.node;
  if (!nodeRange || !semver.validRange(nodeRange)) fail('`engines.node` missing or invalid');
  else if (!TESTED_NODE_MAJORS.includes(semver.minVersion(nodeRange)?.major))
    fail(
      `engines.node "${nodeRange}" must start at a major CI tests (${TESTED_NODE_MAJORS.join(', ')})`,
    );
  if (!Array.isArray(m.files) || m.files.length === 0) fail('no `files` allow-list');
  if (m.license !== 'Apache-2.0') fail('`license` must be "Apache-2.0"');
  for (const f of ['LICENSE', 'README.md']) if (!existsSync(join(dir, f))) fail(`no ${f} file`);
  if (!m.repository?.url || m.repository?.directory !== pkg.relDir) {
    fail(`\`repository\` needs url and directory "${pkg.relDir}"`);
  }
  if (!Array.isArray(m.keywords) || m.keywords.length === 0) fail('no `keywords`');
  if (!m.description) fail('no `description`');

  // Peer dependencies.
  for (const client of BROKER_CLIENTS) {
    if (m.dependencies?.[client]) fail(`${client} must be a peer dependency, not a dependency`);
  }
  for (const peer of Object.keys(m.peerDependenciesMeta ?? {})) {
    if (!m.peerDependencies?.[peer])
      fail(`peerDependenciesMeta names "${peer}", which is not a peer dependency`);
  }
  for (const [peer, meta] of Object.entries(m.peerDependenciesMeta ?? {})) {
    if (meta?.optional !== true && meta?.optional !== undefined)
      fail(`peerDependenciesMeta["${peer}"].optional must be true or absent`);
  }
  for (const [dep, range] of Object.entries(m.peerDependencies ?? {})) {
    if (!semver.validRange(range)) fail(`peer dependency ${dep} has an invalid range "${range}"`);
  }

  // exports <-> tsup entries.
  const tsup = await tsupEntries(dir);
  if (tsup.error) {
    fail(tsup.error);
    continue;
  }
  for (const [stem, src] of tsup.entries) {
    if (!existsSync(join(dir, src))) fail(`tsup entry "${stem}" points at missing ${src}`);
  }
  const outDir = join(dir, tsup.outDir);
  const exported = new Set();
  const referenced = [];
  for (const [subpath, node] of Object.entries(m.exports ?? {})) {
    const targets = collectTargets(node);
    if (subpath === './package.json') {
      if (!targets.every((t) => t.target === './package.json'))
        fail('"./package.json" must export ./package.json');
      continue;
    }
    const only = targets.length === 1 ? targets[0] : undefined;
    if (only && only.conditions.length === 0 && only.target.endsWith('/*')) {
      // A data folder (core's JSON Schemas), not code: no tsup entry, no conditions.
      const folder = only.target.slice(0, -2);
      const rel = relative(dir, join(dir, folder));
      if (!existsSync(join(dir, folder)) || readdirSync(join(dir, folder)).length === 0)
        fail(`exports["${subpath}"] -> ${folder} is missing or empty`);
      if (!(m.files ?? []).some((f) => f.replace(/^\.\//, '').replace(/\/$/, '') === rel))
        fail(`exports["${subpath}"] -> ${folder} is not in the \`files\` allow-list`);
      continue;
    }
    const stems = new Set(targets.map((t) => stemOf(join(dir, t.target), outDir)));
    if (stems.size !== 1)
      fail(`exports["${subpath}"] mixes outputs of several entries: ${[...stems].join(', ')}`);
    for (const stem of stems) {
      if (!tsup.entries.has(stem))
        fail(`exports["${subpath}"] points at "${stem}", which no tsup entry builds`);
      exported.add(stem);
    }
    const flat = targets.map((t) => t.conditions.join('.'));
    if (tsup.formats.has('esm') && !flat.some((c) => c.startsWith('import')))
      fail(`exports["${subpath}"] has no "import" condition`);
    if (tsup.formats.has('cjs') && !flat.some((c) => c.startsWith('require')))
      fail(`exports["${subpath}"] has no "require" condition`);
    if (tsup.dts && !targets.some((t) => t.conditions.at(-1) === 'types'))
      fail(`exports["${subpath}"] has no "types" condition`);
    for (const t of targets) {
      referenced.push({
        where: `exports["${subpath}"].${t.conditions.join('.')}`,
        target: t.target,
      });
    }
  }
  for (const stem of tsup.entries.keys()) {
    if (!exported.has(stem)) fail(`tsup entry "${stem}" is built but not exported`);
  }
  for (const field of ['main', 'module', 'types']) {
    if (m[field]) referenced.push({ where: field, target: m[field] });
  }
  const allowed = (m.files ?? []).map((f) => f.replace(/^\.\//, '').replace(/\/$/, ''));
  for (const { where, target } of referenced) {
    const file = join(dir, target);
    const rel = relative(dir, file);
    if (!existsSync(file))
      fail(`${where} -> ${target} does not exist (did \`npm run build\` run?)`);
    if (rel !== 'package.json' && !allowed.some((a) => rel === a || rel.startsWith(`${a}/`))) {
      fail(`${where} -> ${target} is not in the \`files\` allow-list`);
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`  ✗ ${p}`);
  console.error(`manifests: FAIL — ${problems.length} problem(s) in ${checked} package(s)`);
  process.exit(1);
}
console.log(
  `manifests: OK — ${checked} package(s): release fields, peers, exports ↔ tsup entries, built files`,
);
