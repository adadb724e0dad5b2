import {
  type ArchiveRecord,
  Archiver,
  AuthenticationError,
  ConnectionLostError,
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousError,
  type RendezvousResult,
  type StreamNames,
  type Transport,
} from '@rendezvous-ml/core';
import { inspectDeadLetters, type KafkaBroker, waitFor } from '@rendezvous-ml/test-kit';
import type { Subscription } from 'rxjs';
import { expect } from 'vitest';

/**
 * What the Kafka fault scenarios need from the test that runs them: each Kafka client's tests
 * (kafkajs here, `@platformatic/kafka` in transport-kafka-platformatic) pass their own
 * transports, so both clients are held to the same faults.
 */
export interface KafkaFaultSetup {
  readonly broker: KafkaBroker;
  /** A new transport on `broker`, closed by the test after each case. */
  readonly connect: () => Transport;
  readonly streams: () => Required<Pick<StreamNames, 'requests' | 'deadLetter' | 'heartbeats'>>;
  readonly unique: (prefix: string) => string;
  /** Keeps a subscription until the test's cleanup. */
  readonly keep: (subscription: Subscription) => void;
}

/** Polls `check` (which may take a while: a request round trip) until it holds. */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * (b) The broker restarts under traffic: while it is down a publish fails fast with a
 * retryable `ConnectionLostError`; after it is back the system answers again within 15 s (groups
 * do not wait a session timeout), every new request is answered, and every answered score
 * reaches the archive.
 */
export async function brokerRestartScenario(s: KafkaFaultSetup): Promise<void> {
  const streams = s.streams();
  const [tw, fe, ta] = [s.connect(), s.connect(), s.connect()];
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
    group: s.unique('score-archiver'),
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

  const answeredBefore: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await rendezvous.request(i);
    answeredBefore.push(r.requestId);
  }
  // traffic keeps flowing while the broker goes down and comes back
  let stop = false;
  const during: Promise<RendezvousResult<number, number> | Error>[] = [];
  const traffic = (async () => {
    for (let i = 0; !stop; i++) {
      during.push(rendezvous.request(i).catch((e: Error) => e));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = Date.now();
  const phase = (what: string) =>
    process.env.DEBUG_KAFKA &&
    console.log(`(b) ${new Date().toISOString().slice(17, 23)} ${what} +${Date.now() - t0} ms`);
  await s.broker.stop();
  phase('broker stopped');
  // while it is down, a publish fails fast with a retryable ConnectionLostError
  const publishStart = Date.now();
  const failed = await fe.publish(streams.requests, { payload: '{}' }).catch((e: Error) => e);
  expect(failed).toBeInstanceOf(ConnectionLostError);
  expect(Date.now() - publishStart).toBeLessThan(10_000);
  phase(`publish failed in ${Date.now() - publishStart} ms`);
  await s.broker.restart();
  const upAt = Date.now();
  phase('broker restarted');
  // wait until the system answers again, then every new request must be answered
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
  phase('first answer');
  // kafkajs rejoins after a crash under a new member id; the transport evicts the old one, so
  // groups do not wait a session timeout (3 s here, 10 s by default) after a broker restart
  expect(Date.now() - upAt).toBeLessThan(15_000);
  stop = true;
  await traffic;
  const outcomes = await Promise.all(during);
  phase('traffic settled');
  for (const o of outcomes) {
    if (o instanceof Error)
      expect(['DEADLINE_EXCEEDED', 'CONNECTION_LOST']).toContain((o as RendezvousError).code);
  }
  const answeredDuring = outcomes.filter(
    (o): o is RendezvousResult<number, number> => !(o instanceof Error),
  );
  const after = await Promise.all(
    Array.from({ length: 20 }, (_, i) => rendezvous.request(100 + i)),
  );
  expect(after.map((r) => r.chosen?.output)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i));
  // every answered score (before, during and after the restart) reaches the archive
  const archivedRequests = (): Set<string> =>
    new Set([...archived.values()].map((r) => r.requestId));
  await waitFor(
    () =>
      [
        ...answeredBefore,
        ...answeredDuring.map((r) => r.requestId),
        ...after.map((r) => r.requestId),
      ].every((id) => archivedRequests().has(id)),
    'every answered score in the archive',
    30_000,
  );
  phase(`archived (${answeredDuring.length}/${outcomes.length} answered during the outage)`);
  await rendezvous.stop();
  await worker.stop();
  await archiver.stop();
  phase('stopped');
}

/** (c) A malformed record goes to the dead letter and is counted. */
export async function malformedRecordScenario(s: KafkaFaultSetup): Promise<void> {
  const streams = s.streams();
  const [t, fe] = [s.connect(), s.connect()];
  const dead = await inspectDeadLetters(t, streams.deadLetter);
  s.keep(dead.subscription);
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
  const [record] = await dead.settle(1, () => worker.stats().deadLettered);
  expect(record!.reason.code).toBe('INVALID_ENVELOPE');
  expect(record!.payload).toBe('{"v":1,"id":"x","ts":"yesterday"}');
  await dead.ackAll();
  await worker.stop();
}

/** The SASL password of {@link saslRefusedScenario}: it must appear in no error (and no log). */
export const SASL_SECRET = 'hunter2-secret';

/**
 * (d) SASL on a listener without it: `t` (a transport configured with SASL PLAIN and
 * {@link SASL_SECRET}) fails its first publish at once with a non-retryable
 * `AuthenticationError` that says what to fix, and the secret is not in it.
 */
export async function saslRefusedScenario(s: KafkaFaultSetup, t: Transport): Promise<void> {
  const started = Date.now();
  const refused = await t.publish(s.unique('s'), { payload: 'x' }).catch((e: unknown) => e);
  // the broker's answer cannot change by retrying: it fails at once, saying what to fix
  expect(refused).toBeInstanceOf(AuthenticationError);
  expect(refused).toMatchObject({ code: 'AUTHENTICATION_FAILED', retryable: false });
  expect((refused as Error).message).toMatch(/check the `sasl` option/);
  expect((refused as Error).message).not.toContain(SASL_SECRET);
  expect(Date.now() - started).toBeLessThan(4000);
}
