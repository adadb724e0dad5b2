import { type KafkaBroker, requireService, startKafkaBroker } from '@rendezvous-ml/test-kit';
import { afterAll, describe, it } from 'vitest';
import { irisRolloutScenario } from './support/iris-rollout-scenario.js';

const kafka = await requireService('kafka', () => startKafkaBroker());

describe.skipIf(!kafka.ok)('iris rollout over Kafka, multi-process, under steady load', () => {
  const broker = kafka.ok ? kafka.service : (undefined as unknown as KafkaBroker);

  afterAll(async () => {
    await broker.dispose();
  }, 60_000);

  it(
    'rolls dt@2 out to retirement of dt@1, then rolls bad@1 back on its own, with 0 failed requests',
    {
      timeout: 400_000,
    },
    () =>
      irisRolloutScenario(
        { RENDEZVOUS_TRANSPORT: 'kafka', KAFKA_BROKERS: broker.brokers },
        // Kafka and seven Node processes share the machine: a lighter steady load, a deadline
        // that a loaded machine's Kafka round trips (p99 near 1 s on 2 busy cores) stay within,
        // and the default heartbeat (late heartbeats drop live workers, and their requests fail).
        { rate: 50, deadlineMs: 5000, heartbeatMs: 1000 },
      ),
  );
});
