import { fileURLToPath } from 'node:url';
import { DeadlineExceededError, first, ModelWorker, Rendezvous } from '@rendezvous-ml/core';
import { requireService, startKafkaBroker, waitFor } from '@rendezvous-ml/test-kit';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  brokerRestartScenario,
  type KafkaFaultSetup,
  malformedRecordScenario,
  SASL_SECRET,
  saslRefusedScenario,
  until,
} from '../../transport-kafka/test/support/kafka-fault-scenarios.js';
import {
  type KafkaWorkerProcess,
  startKafkaWorkerProcess,
} from '../../transport-kafka/test/support/kafka-worker-process.js';
import {
  PlatformaticKafkaTransport,
  type PlatformaticKafkaTransportOptions,
} from '../src/index.js';

// Runs only on Node ≥ 22.22 (@platformatic/kafka's engines): vitest.config.ts leaves this
// package's tests out on older runtimes.
const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;
const FIXTURE = fileURLToPath(new URL('./fixtures/platformatic-kafka-worker.ts', import.meta.url));

/** Fast group settings: a dead member noticed within 3 s. */
const fast = {
  sessionTimeoutMs: 3000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 5000,
  maxWaitTimeMs: 20,
  replyTapRefreshMs: 200,
  partitions: 4,
} as const;

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;
const streamsFor = () => ({
  requests: unique('requests'),
  deadLetter: unique('dead'),
  heartbeats: unique('hb'),
});
const pace = (ms: number) => new Promise((r) => setTimeout(r, ms)); // pacing of a stream, not a wait

const doubling = async (x: number): Promise<number> => {
  await pace(5);
  return x * 2;
};

afterAll(async () => {
  await broker?.dispose();
});

describe.skipIf(!gate.ok)('PlatformaticKafkaTransport faults against a real broker', () => {
  const opened: PlatformaticKafkaTransport[] = [];
  const subs: Subscription[] = [];
  let proc: KafkaWorkerProcess | undefined;
  const connect = (extra: Partial<PlatformaticKafkaTransportOptions> = {}) => {
    const t = new PlatformaticKafkaTransport({
      brokers: broker!.brokers,
      ...fast,
      logger: () => undefined,
      ...extra,
    });
    opened.push(t);
    return t;
  };
  const setup: KafkaFaultSetup = {
    broker: broker!,
    connect: () => connect(),
    streams: streamsFor,
    unique,
    keep: (sub) => subs.push(sub),
  };
  afterEach(async () => {
    await proc?.kill();
    proc = undefined;
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });

  it('(a) a worker process is SIGKILLed mid-stream: every request settles, the survivor takes over within the session timeout', {
    timeout: 90_000,
  }, async () => {
    const topicPrefix = `${unique('crash')}.`;
    const streams = streamsFor();
    const model = { name: 'm', version: '1' };
    proc = startKafkaWorkerProcess(
      {
        brokers: broker!.brokers,
        topicPrefix,
        partitions: fast.partitions,
        sessionTimeoutMs: fast.sessionTimeoutMs,
        heartbeatIntervalMs: 500,
        model: { ...model, instance: 'a' },
        streams,
        predictMs: 5,
      },
      60_000,
      FIXTURE,
    );
    const deadlineMs = 8000;
    const b = new ModelWorker({
      transport: connect({ topicPrefix }),
      model: { ...model, instance: 'b' },
      predict: doubling,
      streams,
      heartbeatIntervalMs: 200,
    });
    const rendezvous = new Rendezvous<number, number>({
      transport: connect({ topicPrefix }),
      policy: first(),
      deadlineMs,
      streams,
    });
    await proc.ready;
    await b.start();
    await rendezvous.start();
    await waitFor(() => rendezvous.registry.live().length === 1, 'm@1 to be live', 20_000);
    const by = new Set<string>();
    await until(
      async () => {
        const r = await Promise.all(Array.from({ length: 20 }, (_, i) => rendezvous.request(i)));
        for (const x of r) by.add(x.chosen!.model.instance);
        return by.has('a') && by.has('b');
      },
      'both instances to answer',
      30_000,
    );
    const outcomes: { sentAt: number; settledAt?: number; instance?: string; error?: unknown }[] =
      [];
    let killedAt = 0;
    for (let i = 0; i < 450; i++) {
      const o: (typeof outcomes)[number] = { sentAt: Date.now() };
      outcomes.push(o);
      rendezvous.request(i).then(
        (r) => {
          o.settledAt = Date.now();
          o.instance = r.chosen?.model.instance;
          expect(r.chosen?.output).toBe(i * 2);
        },
        (error: unknown) => {
          o.settledAt = Date.now();
          o.error = error;
        },
      );
      if (i === 40) {
        killedAt = Date.now();
        void proc.kill(); // a real crash: no LeaveGroup, no commit, sockets cut by the OS
      }
      await pace(20);
    }
    const lastSentAt = Date.now();
    await waitFor(
      () => outcomes.every((o) => o.settledAt !== undefined),
      'every request to settle',
      deadlineMs + 5000,
    );
    expect(Math.max(...outcomes.map((o) => o.settledAt!))).toBeLessThan(
      lastSentAt + deadlineMs + 5000,
    );
    for (const f of outcomes.filter((o) => o.error))
      expect(f.error).toBeInstanceOf(DeadlineExceededError);
    const afterKill = outcomes.filter((o) => !o.error && o.sentAt > killedAt);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.every((o) => o.instance === 'b')).toBe(true);
    // requests sent once the session timed out (plus a rebalance) are answered promptly, by b
    const late = outcomes.filter((o) => o.sentAt > killedAt + fast.sessionTimeoutMs + 3000);
    expect(late.length).toBeGreaterThan(0);
    for (const o of late) {
      expect(o.instance).toBe('b');
      expect(o.settledAt! - o.sentAt).toBeLessThan(2000);
    }
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rendezvous.request(i, { deadlineMs: 2000 })),
    );
    expect(after.map((r) => r.chosen?.model.instance)).toEqual(Array(20).fill('b'));
    await rendezvous.stop();
    await b.stop();
  });

  it('(b) survives a broker restart: new requests are answered after recovery, acknowledged archive records are kept', {
    timeout: 120_000,
  }, async () => {
    await brokerRestartScenario(setup);
  });

  it('(c) sends a malformed record to the dead letter and counts it', {
    timeout: 30_000,
  }, async () => {
    await malformedRecordScenario(setup);
  });

  it('refuses SASL on a listener without it as a non-retryable AuthenticationError, without the secret', {
    timeout: 30_000,
  }, async () => {
    const t = connect({
      sasl: { mechanism: 'PLAIN', username: 'svc', password: SASL_SECRET },
      connectionTimeoutMs: 1000,
    });
    await saslRefusedScenario(setup, t);
  });
});
