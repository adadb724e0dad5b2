/**
 * Redis Streams transport: the full rendezvous path against a bare ioredis loop, in one run.
 *
 * - floor: a bare ioredis loop (XADD request → XREADGROUP → XADD score → XREAD), one process,
 *   one model, at concurrency 1, 16 and 64;
 * - rendezvous: a Rendezvous front end and two ModelWorkers (two instances of one model version,
 *   trivial predict), all on RedisTransport in this process, at concurrency 1 and 64.
 *
 * Targets: rendezvous p50 ≤ 0.6 ms at c=1, ≥ 8 000 req/s at c=64, and (issue 18) ≥ 0.6× the
 * bare loop at c=64.
 */
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { Redis } from 'ioredis';
import { bareCalls } from '../lib/bare-calls.js';
import { brokerPathScenario } from '../lib/broker-path-scenario.js';
import { type LoadTarget, twoWorkerPath } from '../lib/two-worker-path.js';
import type { Scenario } from '../lib/types.js';

/** The bare loop: what Redis and ioredis cost without the SDK. */
async function bareLoop(url: string): Promise<LoadTarget> {
  const tag = `bench-bare-${Date.now().toString(36)}`;
  const requests = `${tag}:requests`;
  const replies = `${tag}:replies`;
  const client = new Redis(url);
  const modelRead = client.duplicate();
  const modelWrite = client.duplicate();
  const replyRead = client.duplicate();
  await client.call('XGROUP', 'CREATE', requests, 'model', '$', 'MKSTREAM');
  const calls = bareCalls((id) =>
    client.call('XADD', requests, 'MAXLEN', '~', 100_000, '*', 'p', id),
  );
  let running = true;
  const model = (async () => {
    while (running) {
      const reply = (await modelRead
        .call(
          'XREADGROUP',
          'GROUP',
          'model',
          'm1',
          'COUNT',
          64,
          'BLOCK',
          100,
          'STREAMS',
          requests,
          '>',
        )
        .catch(() => null)) as [string, [string, string[]][]][] | null;
      if (!reply) continue;
      const ids: string[] = [];
      for (const [id, fields] of reply[0]![1]) {
        ids.push(id);
        void modelWrite.call('XADD', replies, 'MAXLEN', '~', 10_000, '*', 'p', fields[1]!);
      }
      void modelWrite.call('XACK', requests, 'model', ...ids);
    }
  })();
  const readerLoop = (async () => {
    let cursor = '$';
    while (running) {
      const reply = (await replyRead
        .call('XREAD', 'COUNT', 256, 'BLOCK', 100, 'STREAMS', replies, cursor)
        .catch(() => null)) as [string, [string, string[]][]][] | null;
      if (!reply) continue;
      for (const [id, fields] of reply[0]![1]) {
        cursor = id;
        calls.answer(fields[1]!);
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 50)); // let the blocking reads reach the server
  return {
    call: calls.call,
    stop: async () => {
      running = false;
      await Promise.all([model, readerLoop]);
      await client.del(requests, replies);
      for (const c of [client, modelRead, modelWrite, replyRead]) c.disconnect();
    },
  };
}

/** The full path: front end + two model workers on RedisTransport. */
async function rendezvousPath(url: string): Promise<LoadTarget> {
  const prefix = `bench-${Date.now().toString(36)}:`;
  const transports = [0, 1, 2].map(() => new RedisTransport({ url, keyPrefix: prefix }));
  return twoWorkerPath(transports as [RedisTransport, RedisTransport, RedisTransport], {
    cleanup: async () => {
      const admin = new Redis(url);
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    },
  });
}

/** Benchmark scenario of the Redis transport (needs `options.redisUrl`). */
export const redis: Scenario = brokerPathScenario({
  scenario: 'redis',
  urlOption: 'redisUrl',
  floor: 'bare ioredis loop',
  floorAtC64: true,
  bare: bareLoop,
  rendezvous: rendezvousPath,
  targets: { p50Ms: 0.6, rps: 8000 },
});
