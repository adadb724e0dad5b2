// Runs the conformance suite against ioredis at both ends of the peer range this package declares
// (>=5.4.0 <7): 5.4.0 and the newest 6.x, each installed by scripts/ci/peer-versions.mjs in a
// cache outside the clone and injected with the `client` option.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  requireService,
  servicesRequired,
  startRedisServer,
  transportConformance,
} from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import type { Redis, RedisOptions } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

interface PeerInstall {
  readonly spec: string;
  readonly version: string;
  readonly dir: string;
}

const script = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../scripts/ci/peer-versions.mjs',
);

/** Installs (once, cached) every listed ioredis version; locally a failure skips, in CI it fails. */
function installPeers(): { ok: true; peers: PeerInstall[] } | { ok: false; reason: string } {
  try {
    const out = execFileSync(process.execPath, [script, 'ioredis'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    return { ok: true, peers: (JSON.parse(out) as { ioredis: PeerInstall[] }).ioredis };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const reason = (e.stderr || e.message).trim();
    if (servicesRequired()) throw new Error(`cannot install the ioredis peer versions: ${reason}`);
    console.warn(`\n*** SKIPPING the ioredis peer-range suites: ${reason}\n`);
    return { ok: false, reason };
  }
}

const installed = installPeers();
const peers = installed.ok ? installed.peers : [];
const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

type RedisCtor = new (options: RedisOptions) => Redis;

function loadFrom(dir: string): { Redis: RedisCtor; version: string } {
  const require = createRequire(join(dir, 'package.json'));
  const module = require('ioredis') as { Redis?: RedisCtor; default?: RedisCtor };
  const version = (require('ioredis/package.json') as { version: string }).version;
  return { Redis: (module.Redis ?? module.default)!, version };
}

describe.skipIf(!installed.ok || !gate.ok)('ioredis peer range', () => {
  it('covers both ends of the declared range: 5.4.0 and the newest 6.x', () => {
    expect(peers.map((p) => p.spec)).toEqual(['5.4.0', '^6']);
    expect(peers[1]!.version.startsWith('6.')).toBe(true);
  });

  for (const peer of peers) {
    describe(`ioredis ${peer.version}`, () => {
      const { Redis, version } = loadFrom(peer.dir);

      it('is the version under test', () => {
        expect(version).toBe(peer.version);
      });

      transportConformance(`redis on ioredis ${peer.version}`, {
        create: () =>
          new RedisTransport({
            url: server!.url,
            claimIdleMs: 500,
            claimIntervalMs: 100,
            blockMs: 500,
            client: (options) => new Redis(options),
          }),
        settleMs: 5000,
        quietMs: 200,
      });
    });
  }
});
