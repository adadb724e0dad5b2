import {
  drainScenario,
  lateJoinScenario,
  requireService,
  startKafkaBroker,
} from '@rendezvous-ml/test-kit';
import { afterAll, describe, it } from 'vitest';
import { KafkaTransport } from '../src/index.js';

const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await broker?.dispose();
});

/** Fast group settings: joins and rebalances in ~100 ms. */
const fast = {
  sessionTimeoutMs: 3000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 5000,
  maxWaitTimeInMs: 20,
  partitions: 4,
  logLevel: 'error',
} as const;

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;
const streamsFor = () => ({
  requests: unique('requests'),
  deadLetter: unique('dead'),
  heartbeats: unique('hb'),
  results: unique('results'),
  control: unique('control'),
});
const create = () => new KafkaTransport({ brokers: broker!.brokers, ...fast });

describe.skipIf(!gate.ok)('Kafka: model versions joining and leaving under load', () => {
  it(
    'a version that starts while 100 requests are in flight is not waited for by them',
    {
      timeout: 120_000,
    },
    () => lateJoinScenario({ create, streams: streamsFor(), settleMs: 30_000 }),
  );

  it(
    'stop() drains: requests waiting for the worker are decided at once, the ones it started get its scores, none fails',
    {
      timeout: 120_000,
    },
    () => drainScenario({ create, streams: streamsFor(), settleMs: 30_000 }),
  );
});
