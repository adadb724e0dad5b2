import {
  ConnectionLostError,
  DEFAULT_STREAMS,
  type DeadLetterRecord,
  type Json,
  ModelWorker,
  type OutgoingMessage,
  priority,
  Rendezvous,
  VirtualClock,
} from '@rendezvous-ml/core';
import { AckSpyTransport } from '@rendezvous-ml/test-kit';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { Scorecard, type ScorecardSnapshot } from '../src/index.js';

const later = (clock: VirtualClock, ms: number, value: Json) =>
  new Promise<Json>((resolve) => clock.setTimeout(() => resolve(value), ms));

async function system(clock: VirtualClock, broker: MemoryBroker) {
  const models = [
    { name: 'prod', ms: 2, predict: (x: number) => x % 3 },
    { name: 'canary', ms: 3, predict: (x: number) => (x % 4 === 0 ? 9 : x % 3) },
    { name: 'shadow', ms: 10, predict: (x: number) => (x % 5 === 0 ? 9 : x % 3) },
  ];
  const workers = models.map(
    (m) =>
      new ModelWorker({
        transport: new MemoryTransport({ broker }),
        model: { name: m.name, version: '1', instance: `${m.name}-a` },
        predict: (input: Json) => later(clock, m.ms, m.predict((input as { x: number }).x)),
        clock,
        concurrency: 64,
      }),
  );
  for (const w of workers) await w.start();
  const rendezvous = new Rendezvous({
    transport: new MemoryTransport({ broker }),
    policy: priority({ order: ['prod', 'canary'], only: true }),
    clock,
    deadlineMs: 20,
    discoveryMs: 0,
    publishResults: true,
  });
  await rendezvous.start();
  await clock.tick();
  return { rendezvous, workers };
}

const allWindow = (s: ScorecardSnapshot) => s.windows.find((w) => w.window === 'all')!;

describe('Scorecard on the results stream', () => {
  it('counts what results$ counts, acks every delivery, and dead-letters an invalid one', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker({ clock });
    const spy = new AckSpyTransport(new MemoryTransport({ broker }));
    const fromStream = new Scorecard({
      clock,
      resultsStream: { transport: spy },
      snapshotIntervalMs: 0,
    });
    await fromStream.start();
    const { rendezvous, workers } = await system(clock, broker);
    const inProcess = new Scorecard({
      clock,
      results$: rendezvous.results$,
      snapshotIntervalMs: 0,
    });
    await inProcess.start();
    const dead = new MemoryTransport({ broker });
    await dead.ensureGroup(DEFAULT_STREAMS.deadLetter, 'test');
    const deadLetters: DeadLetterRecord[] = [];
    dead.consume(DEFAULT_STREAMS.deadLetter, { group: 'test', consumer: 't' }).subscribe((d) => {
      deadLetters.push(JSON.parse(d.payload) as DeadLetterRecord);
      void d.ack();
    });
    for (let x = 0; x < 60; x++) void rendezvous.request({ x });
    await clock.advance(100);
    await dead.publish(DEFAULT_STREAMS.results, {
      key: 'bad',
      payload: '{"v":1,"requestId":"bad"}',
    });
    await clock.advance(100);

    const a = allWindow(fromStream.snapshot());
    const b = allWindow(inProcess.snapshot());
    expect(a.results).toBe(60);
    expect(a.models).toEqual(b.models);
    const shadow = a.models.find((m) => m.model === 'shadow@1')!;
    expect(shadow).toMatchObject({ chosen: 0, timeouts: 0, late: 60 }); // scored late every time: late, not timed out
    // prod vs shadow: shadow differs when x % 5 === 0 (12 of 60).
    expect(shadow.agreement).toMatchObject({ reference: 'prod@1', compared: 60, agreed: 48 });
    expect(spy.acked).toHaveLength(61);
    expect(spy.released).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ component: 'scorecard scorecard', source: 'results' });
    expect(fromStream.streamStats()).toEqual({
      read: 60,
      duplicates: 0,
      deadLettered: 1,
      dropped: 0,
      failed: 0,
    });

    await rendezvous.stop();
    for (const w of workers) await w.stop();
    await fromStream.stop();
    await inProcess.stop();
  });

  it('hands an invalid result back while the dead letter cannot be written, then acks it (never holds it)', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker({ clock });
    const inner = new MemoryTransport({ broker });
    inner.publish = (
      (publish) => (stream: string, message: OutgoingMessage) =>
        stream === DEFAULT_STREAMS.deadLetter
          ? Promise.reject(new ConnectionLostError('dead-letter stream down'))
          : publish(stream, message)
    )(inner.publish.bind(inner));
    const spy = new AckSpyTransport(inner);
    const scorecard = new Scorecard({
      clock,
      resultsStream: { transport: spy },
      snapshotIntervalMs: 0,
    });
    await scorecard.start();
    await new MemoryTransport({ broker }).publish(DEFAULT_STREAMS.results, { payload: 'not json' });
    await clock.advance(10_000);
    expect(spy.released).toHaveLength(4);
    expect(spy.acked).toHaveLength(1);
    expect(scorecard.streamStats()).toMatchObject({ read: 0, deadLettered: 0, dropped: 1 });
    await scorecard.stop();
  });

  it('skips a redelivered result it already counted', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker({ clock });
    const scorecard = new Scorecard({
      clock,
      resultsStream: { transport: new MemoryTransport({ broker }) },
      snapshotIntervalMs: 0,
    });
    await scorecard.start();
    const { rendezvous, workers } = await system(clock, broker);
    const copy: string[] = [];
    const tap = new MemoryTransport({ broker });
    await tap.ensureGroup(DEFAULT_STREAMS.results, 'copy');
    tap.consume(DEFAULT_STREAMS.results, { group: 'copy', consumer: 'c' }).subscribe((d) => {
      copy.push(d.payload);
      void d.ack();
    });
    void rendezvous.request({ x: 1 });
    await clock.advance(100);
    await tap.publish(DEFAULT_STREAMS.results, { payload: copy[0]! }); // the same result again
    await clock.advance(100);
    expect(scorecard.streamStats()).toMatchObject({ read: 1, duplicates: 1 });
    expect(allWindow(scorecard.snapshot()).results).toBe(1);
    await rendezvous.stop();
    for (const w of workers) await w.stop();
    await scorecard.stop();
  });
});
