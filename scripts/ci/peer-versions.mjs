#!/usr/bin/env node
// Installs each broker client at both ends of the peer range a package declares, in a cache outside
// the clone, so the peer-range tests can load every version next to the one in node_modules:
//
//   ${RENDEZVOUS_CACHE:-~/.cache/rendezvous}/peers/<name>@<version>/node_modules/<name>
//
// Usage: node scripts/ci/peer-versions.mjs [name ...]     (default: every listed client)
// Prints one JSON line: { "<name>": [{ "spec", "version", "dir" }, ...] }, where `dir` is the
// install prefix (load the client with createRequire(join(dir, 'package.json'))).
// Idempotent: a version already installed is not installed again. A range spec ("^6") is resolved
// to its newest version with one `npm view`; offline, the newest cached version of that range is
// used. Exits non-zero, with the reason on stderr, when a version can be neither found nor installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The versions tested per client: the lowest the peer range allows and the newest of its last
 * major. Keep in step with the packages' `peerDependencies`. The peer-range tests are
 * `packages/transport-redis/test/peer-range.integration.test.ts` and
 * `packages/archiver-elasticsearch/test/peer-range.integration.test.ts` (both clients against the
 * 9.x node: an 8.x client asks for `compatible-with=8`, which a 9.x node serves). For kafkajs both
 * ends of `^2.2.4` are the one version 2.2.4 (the newest 2.x), the one in node_modules, so the
 * Kafka suite (`packages/transport-kafka/test/kafka-transport.integration.test.ts`) tests it.
 */
export const PEER_VERSIONS = {
  ioredis: ['5.4.0', '^6'], // @rendezvous-ml/transport-redis: ">=5.4.0 <7"
  '@elastic/elasticsearch': ['8.13.0', '^9'], // @rendezvous-ml/archiver-elasticsearch: ">=8.13.0 <10"
  kafkajs: ['2.2.4'], // @rendezvous-ml/transport-kafka: "^2.2.4" (2.2.4 is the newest 2.x)
};

const root = join(process.env.RENDEZVOUS_CACHE || join(homedir(), '.cache', 'rendezvous'), 'peers');

function exact(spec) {
  return /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec);
}

function installedVersion(dir, name) {
  const manifest = join(dir, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function slug(name, version) {
  return `${name.replace('/', '+')}@${version}`;
}

/** The newest version matching a range: the registry, or offline the newest cached one. */
function resolve(name, spec) {
  if (exact(spec)) return spec;
  try {
    const out = execFileSync('npm', ['view', `${name}@${spec}`, 'version', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const v = JSON.parse(out);
    return Array.isArray(v) ? v.at(-1) : v;
  } catch (error) {
    const major = spec.replace(/^[\^~]/, '').split('.')[0];
    const prefix = `${slug(name, major)}.`;
    const cached = existsSync(root)
      ? readdirSync(root)
          .filter((d) => d.startsWith(prefix) && installedVersion(join(root, d), name))
          .map((d) => d.slice(slug(name, '').length))
          .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      : [];
    if (cached.length > 0) return cached.at(-1);
    throw new Error(`cannot resolve ${name}@${spec}: ${error.stderr || error.message}`);
  }
}

/** Installs `name@spec` in the cache (once) and returns where. */
export function ensurePeer(name, spec) {
  const version = resolve(name, spec);
  const dir = join(root, slug(name, version));
  if (installedVersion(dir, name) === version) return { spec, version, dir };
  // Install into a scratch folder and rename, so an interrupted install never looks complete.
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        scratch,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        `${name}@${version}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
    );
    if (installedVersion(scratch, name) !== version)
      throw new Error(`npm installed something else than ${name}@${version}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`cannot install ${name}@${version}: ${error.stderr || error.message}`);
  }
  return { spec, version, dir };
}

function main() {
  const names = process.argv.slice(2);
  const wanted = names.length > 0 ? names : Object.keys(PEER_VERSIONS);
  const out = {};
  for (const name of wanted) {
    const specs = PEER_VERSIONS[name];
    if (!specs) {
      console.error(`peer-versions: no versions listed for ${name}`);
      process.exit(2);
    }
    try {
      out[name] = specs.map((spec) => ensurePeer(name, spec));
    } catch (error) {
      console.error(`peer-versions: ${error.message}`);
      process.exit(1);
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
