import { type RedisServer, requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { afterAll, describe, it } from 'vitest';
import { irisRolloutScenario } from './support/iris-rollout-scenario.js';

const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

describe.skipIf(!redis.ok)('iris rollout over Redis, multi-process, under steady load', () => {
  const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);

  afterAll(async () => {
    await server.dispose();
  });

  it(
    'rolls dt@2 out to retirement of dt@1, then rolls bad@1 back on its own, with 0 failed requests',
    {
      timeout: 400_000,
    },
    () => irisRolloutScenario({ RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: server.url }),
  );
});
