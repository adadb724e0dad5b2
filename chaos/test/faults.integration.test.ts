/**
 * Short forms of the chaos scenarios (`npm run chaos -- --quick`), with the bar as assertions:
 * no request hangs, no acknowledged or answered record is lost, every archive file reads back,
 * and the system answers well again after the fault.
 */

import { type RedisServer, requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../lib/run-scenario.js';
import { ServicePool } from '../lib/services.js';
import type { Scenario } from '../lib/types.js';
import { frontendRestart } from '../scenarios/frontend-restart.js';
import { poisonRecord } from '../scenarios/poison-record.js';
import { replyFails } from '../scenarios/reply-fails.js';
import { sigkillScenarios } from '../scenarios/sigkill.js';
import { sinkFails } from '../scenarios/sink-fails.js';

const redis = await requireService('redis-server', () => startRedisServer({ appendonly: true }));
const pool = new ServicePool();
if (redis.ok) pool.services.redis = redis.service as RedisServer;

afterAll(async () => {
  if (redis.ok) await redis.service.dispose();
});

async function expectBarMet(scenario: Scenario): Promise<void> {
  const row = await runScenario(scenario, pool, { quick: true, log: () => undefined });
  const r = row.result;
  expect(row.status, `${scenario.name}: ${row.reasons.join('; ')}`).not.toBe('error');
  expect(r?.load.hung, 'hung requests').toBe(0);
  for (const a of r?.archives ?? []) {
    expect(a.lost, `${a.archive} records lost`).toBe(0);
    expect(a.unreadableFiles, `unreadable ${a.archive} files`).toBe(0);
  }
  expect(row.reasons, scenario.name).toEqual([]);
}

const sigkillWorkerRedis = sigkillScenarios.find((s) => s.name === 'sigkill-worker-redis')!;

describe.skipIf(!redis.ok)('the system heals after a fault (Redis)', () => {
  for (const [behaviour, scenario] of [
    ['a worker whose reply path fails for 3 s answers again once it works', replyFails],
    ['a decoy whose sink fails for seconds catches up and loses nothing', sinkFails],
    ['a poison record does not block the rest of its batch', poisonRecord],
    ['a restarted front end answers with the right model from its first request', frontendRestart],
    [
      'a SIGKILLed worker process is replaced without hung requests or lost records',
      sigkillWorkerRedis,
    ],
  ] as const)
    it(behaviour, () => expectBarMet(scenario), scenario.limitMs + 30_000);
});
