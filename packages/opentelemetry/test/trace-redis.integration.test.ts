import { requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, describe, it } from 'vitest';
import { crossProcessTrace } from './cross-process-trace.js';

const gate = await requireService('redis-server', () => startRedisServer({ appendonly: false }));
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('openTelemetry() on Redis, across two processes', () => {
  it('one trace: caller → request (front end) → prediction (worker process) → the model’s span', {
    timeout: 120_000,
  }, async () => {
    const keyPrefix = `otel-${Date.now().toString(36)}:`;
    await crossProcessTrace({
      worker: { kind: 'redis', url: server!.url, keyPrefix },
      connect: () => new RedisTransport({ url: server!.url, keyPrefix }),
      deadlineMs: 5000,
      startMs: 60_000,
    });
  });
});
