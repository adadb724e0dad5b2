import { type RedisServer, requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../src/iris-models.js';
import { ensureModels } from '../src/train.js';
import { irisEndToEnd } from './support/iris-end-to-end.js';
import {
  type MultiProcessDeployment,
  startMultiProcessDeployment,
} from './support/multi-process-deployment.js';

const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

describe.skipIf(!redis.ok)('iris multi-process over Redis', () => {
  const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);
  let deployment: MultiProcessDeployment;

  beforeAll(async () => {
    // Train once here, so the worker processes do not race to do it.
    await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
    deployment = await startMultiProcessDeployment({
      RENDEZVOUS_TRANSPORT: 'redis',
      REDIS_URL: server.url,
    });
  }, 120_000);

  afterAll(async () => {
    await deployment?.dispose();
    await server.dispose();
  });

  irisEndToEnd(() => deployment, { slowTimeoutMs: 90_000 });
});
