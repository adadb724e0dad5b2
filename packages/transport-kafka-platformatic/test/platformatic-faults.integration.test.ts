import { fileURLToPath } from 'node:url';
import {
  type ArchiveRecord,
  Archiver,
  ConnectionLostError,
  type DeadLetterRecord,
  DeadlineExceededError,
  type Delivery,
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousError,
  type RendezvousResult,
} from '@rendezvous-ml/core';
import { requireService, startKafkaBroker, waitFor } from '@rendezvous-ml/test-kit';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
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

/** Polls `check` until it holds (each poll may take a while: a request round trip). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs: number) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await pace(100);
  }
}

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
    const streams = streamsFor();
    const [tw, fe, ta] = [connect(), connect(), connect()];
    const worker = new ModelWorker({
      transport: tw,
      model: { name: 'r', version: '1' },
      predict: (x: number) => x + 1,
      streams,
      heartbeatIntervalMs: 200,
    });
    await worker.start();
    const archived = new Map<string, ArchiveRecord>();
    const archiver = new Archiver({
      transport: ta,
      source: 'scores',
      group: unique('score-archiver'),
      flushIntervalMs: 100,
      batchSize: 50,
      sinks: [
        {
          write: async (records) => {
            for (const r of records) archived.set(r.id, r);
          },
          close: async () => undefined,
        },
      ],
    });
    await archiver.start();
    const rendezvous = new Rendezvous<number, number>({
      transport: fe,
      policy: first(),
      deadlineMs: 3000,
      streams,
    });
    await rendezvous.start();
    await waitFor(() => rendezvous.registry.live().length === 1, 'the model to be live', 10_000);
    const answered: string[] = [];
    for (let i = 0; i < 30; i++) answered.push((await rendezvous.request(i)).requestId);
    let stop = false;
    const during: Promise<RendezvousResult<number, number> | Error>[] = [];
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        during.push(rendezvous.request(i).catch((e: Error) => e));
        await pace(50);
      }
    })();
    await broker!.stop();
    // while it is down, a publish fails within its bound with a retryable ConnectionLostError
    const publishStart = Date.now();
    const failed = await fe.publish(streams.requests, { payload: '{}' }).catch((e: Error) => e);
    expect(failed).toBeInstanceOf(ConnectionLostError);
    expect(Date.now() - publishStart).toBeLessThan(10_000);
    await broker!.restart();
    const upAt = Date.now();
    await until(
      async () => {
        try {
          await rendezvous.request(1, { deadlineMs: 1000 });
          return true;
        } catch {
          return false;
        }
      },
      'the first answer after the restart',
      60_000,
    );
    console.log(`(b) first answer ${Date.now() - upAt} ms after the broker was back`);
    stop = true;
    await traffic;
    const outcomes = await Promise.all(during);
    for (const o of outcomes) {
      if (o instanceof Error)
        expect(['DEADLINE_EXCEEDED', 'CONNECTION_LOST']).toContain((o as RendezvousError).code);
      else answered.push(o.requestId);
    }
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rendezvous.request(100 + i)),
    );
    expect(after.map((r) => r.chosen?.output)).toEqual(
      Array.from({ length: 20 }, (_, i) => 101 + i),
    );
    answered.push(...after.map((r) => r.requestId));
    // every answered score (before, during and after the restart) reaches the archive
    await waitFor(
      () => {
        const inArchive = new Set([...archived.values()].map((r) => r.requestId));
        return answered.every((id) => inArchive.has(id));
      },
      'every answered score in the archive',
      30_000,
    );
    await rendezvous.stop();
    await worker.stop();
    await archiver.stop();
  });

  it('(c) sends a malformed record to the dead letter and counts it', {
    timeout: 30_000,
  }, async () => {
    const streams = streamsFor();
    const [t, fe] = [connect(), connect()];
    await t.ensureGroup(streams.deadLetter, 'inspect');
    const dead: Delivery[] = [];
    subs.push(
      t
        .consume(streams.deadLetter, { group: 'inspect', consumer: 'c' })
        .subscribe((d) => dead.push(d)),
    );
    const worker = new ModelWorker({
      transport: t,
      model: { name: 'd', version: '1' },
      predict: (x) => x,
      streams,
    });
    await worker.start();
    await fe.publish(streams.requests, {
      key: 'bad',
      payload: '{"v":1,"id":"x","ts":"yesterday"}',
    });
    await waitFor(() => dead.length === 1, 'the dead letter', 10_000);
    const record = JSON.parse(dead[0]!.payload) as DeadLetterRecord;
    expect(record.reason.code).toBe('INVALID_ENVELOPE');
    expect(record.payload).toBe('{"v":1,"id":"x","ts":"yesterday"}');
    expect(worker.stats().deadLettered).toBe(1);
    await dead[0]!.ack();
    await worker.stop();
  });
});
