import { requireService, startKafkaBroker } from '@rendezvous-ml/test-kit';
import { KafkaTransport } from '@rendezvous-ml/transport-kafka';
import { afterAll, describe, it } from 'vitest';
import { crossProcessTrace } from './cross-process-trace.js';

const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await broker?.dispose();
});

/** Fast group settings (the worker process uses the same): joins and rebalances in ~100 ms. */
const fast = {
  sessionTimeoutMs: 3000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 5000,
  maxWaitTimeInMs: 20,
  partitions: 2,
  logLevel: 'error',
} as const;

describe.skipIf(!gate.ok)('openTelemetry() on Kafka, across two processes', () => {
  it('one trace: caller → request (front end) → prediction (worker process) → the model’s span', {
    timeout: 240_000,
  }, async () => {
    const topicPrefix = `otel-${Date.now().toString(36)}-`;
    await crossProcessTrace({
      worker: { kind: 'kafka', brokers: broker!.brokers, topicPrefix },
      connect: () => new KafkaTransport({ brokers: broker!.brokers, topicPrefix, ...fast }),
      deadlineMs: 15_000,
      startMs: 120_000,
    });
  });
});
