import { requireService, startKafkaBroker, transportConformance } from '@rendezvous-ml/test-kit';
import { afterAll, describe } from 'vitest';
import { PlatformaticKafkaTransport } from '../src/index.js';

// Runs only on Node ≥ 22.22 (@platformatic/kafka's engines): vitest.config.ts leaves this
// package's tests out on older runtimes.
const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await broker?.dispose();
});

describe.skipIf(!gate.ok)('kafka transport on @platformatic/kafka', () => {
  transportConformance('kafka-platformatic', {
    create: () =>
      new PlatformaticKafkaTransport({
        brokers: broker!.brokers,
        sessionTimeoutMs: 3000,
        heartbeatIntervalMs: 300,
        rebalanceTimeoutMs: 5000,
        maxWaitTimeMs: 20,
        replyTapRefreshMs: 200,
        partitions: 4,
      }),
    settleMs: 10_000,
    quietMs: 500,
  });
});
