import {
  Archiver,
  type ArchiverEvent,
  type ArchiverOptions,
  type DeadLetterRecord,
  Decoy,
  NotStartedError,
  type OutgoingMessage,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FaultySink,
  HoldTracker,
  type PoisonMode,
  parsed,
  requestMessage,
} from './archiver-fixtures.js';
import { tapStream, track } from './harness.js';

async function faultRig(
  options: Partial<ArchiverOptions> = {},
  mode: PoisonMode = 'list',
  start = true,
) {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock });
  const caller = new MemoryTransport({ broker });
  const transport = new HoldTracker(new MemoryTransport({ broker }), clock);
  const sink = new FaultySink(clock, mode);
  const archiver = new Archiver({
    transport,
    source: 'requests',
    sinks: [sink],
    clock,
    batchSize: 5,
    flushIntervalMs: 100,
    consumer: 'archiver-1',
    ...options,
  });
  const events: ArchiverEvent[] = [];
  archiver.events$.subscribe((e) => events.push(e));
  const dead = await tapStream(caller, 'dead-letter');
  if (start) await archiver.start();
  const send = async (...ids: string[]) => {
    for (const id of ids) await caller.publish('requests', requestMessage(id, clock.now()));
    await clock.tick();
  };
  const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `r${from + i}`);
  return { clock, broker, caller, transport, sink, archiver, events, dead, send, ids };
}

describe('Archiver: a sink that is down for a while', () => {
  it('hands a failed batch back with growing backoff, keeps reading, and archives everything once the sink is back', async () => {
    const b = await faultRig();
    b.sink.down(0, 10_000);
    await b.send(...b.ids(0, 12));
    for (let t = 0; t < 10_000; t += 1000) {
      await b.clock.advance(1000);
      await b.send(...b.ids(12 + t / 100, 3)); // intake continues during the outage
    }
    await b.clock.advance(30_000);
    const all = [
      ...b.ids(0, 12),
      ...Array.from({ length: 10 }, (_, k) => b.ids(12 + k * 10, 3)).flat(),
    ];
    expect(b.sink.ids().sort()).toEqual([...all].sort());
    expect(b.sink.written).toHaveLength(all.length); // written once each: nothing lost, no repeat
    expect(b.dead).toEqual([]);
    expect(b.transport.holding.size).toBe(0);
    // Held at most: one pause (10 s cap) + the write retries (< 1 s) + a flush interval.
    expect(b.transport.longestHold()).toBeLessThanOrEqual(11_500);
    expect(b.transport.outcomes.some((o) => o.outcome === 'released')).toBe(true);
    const s = b.archiver.stats();
    expect(s).toMatchObject({ archived: all.length, deadLettered: 0, pending: 0 });
    expect(s.released).toBeGreaterThan(0);
    const delays = b.events.flatMap((e) => (e.type === 'write-failed' ? [e.retryInMs] : []));
    expect(delays.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(Math.max(...(delays as number[]))).toBeLessThanOrEqual(10_000);
  });

  it('does not hammer the sink while it is down: it pauses between attempts', async () => {
    const b = await faultRig({ writeRetry: { attempts: 1 } });
    b.sink.down(0, 60_000);
    await b.send(...b.ids(0, 50));
    await b.clock.advance(30_000);
    // 500 ms, 1 s, 2 s, 4 s, 8 s, 10 s, 10 s...: a handful of probes, not one per batch.
    expect(b.sink.calls).toBeLessThan(20);
    // A batch that arrives during a pause may wait for one more probe and its pause: two pauses.
    expect(b.transport.longestHold()).toBeLessThanOrEqual(2 * 10_000 + 500);
  });

  it('dead-letters a delivery whose batch failed on its maxDeliveries-th delivery, with the reason', async () => {
    const b = await faultRig({ maxDeliveries: 3, writeRetry: { attempts: 1 } });
    b.sink.down(0, Number.POSITIVE_INFINITY);
    await b.send('a', 'b');
    await b.clock.advance(60_000);
    const letters = parsed<DeadLetterRecord>(b.dead);
    expect(letters.map((l) => JSON.parse(l.payload).id).sort()).toEqual(['a', 'b']);
    expect(letters[0]!.reason.code).toBe('REDELIVERY_LIMIT');
    expect(letters[0]!.reason.message).toMatch(/3 deliveries.*sink is down/);
    expect(b.transport.holding.size).toBe(0);
    expect(
      b.transport.outcomes.filter((o) => o.outcome === 'acked').map((o) => o.deliveryCount),
    ).toEqual([3, 3]);
    expect(b.archiver.stats().deadLettered).toBe(2);
  });
});

describe('Archiver: a poison record', () => {
  for (const mode of ['list', 'plain', 'range'] as const) {
    it(`is dead-lettered with the reason and the rest of its batch is archived (sink refuses it: ${mode})`, async () => {
      const b = await faultRig({}, mode);
      b.sink.poison.add('r2');
      await b.send(...b.ids(0, 10));
      await b.clock.advance(1000);
      expect(b.sink.ids().sort()).toEqual(
        b
          .ids(0, 10)
          .filter((id) => id !== 'r2')
          .sort(),
      );
      const letters = parsed<DeadLetterRecord>(b.dead);
      expect(letters).toHaveLength(1);
      expect(JSON.parse(letters[0]!.payload).id).toBe('r2');
      expect(letters[0]!.reason.code).toBe('SINK_WRITE_FAILED');
      expect(letters[0]!.reason.message).toMatch(
        mode === 'list'
          ? /r2 cannot be encoded/
          : mode === 'plain'
            ? /cannot encode/
            : /call stack/,
      );
      expect(b.transport.holding.size).toBe(0);
      expect(b.transport.outcomes.every((o) => o.outcome === 'acked')).toBe(true);
      expect(b.archiver.stats()).toMatchObject({ archived: 9, deadLettered: 1, pending: 0 });
    });
  }

  it('a sink that refuses every record alone is treated as down, not as ten poison records', async () => {
    const b = await faultRig({ writeRetry: { attempts: 1 }, maxDeliveries: 2 }, 'plain');
    for (const id of b.ids(0, 5)) b.sink.poison.add(id);
    await b.send(...b.ids(0, 5));
    await b.clock.advance(100);
    expect(b.dead).toEqual([]); // released first, dead-lettered only at maxDeliveries
    expect(b.transport.outcomes.filter((o) => o.outcome === 'released')).toHaveLength(5);
    await b.clock.advance(10_000);
    expect(parsed<DeadLetterRecord>(b.dead).map((l) => l.reason.code)).toEqual(
      Array(5).fill('REDELIVERY_LIMIT'),
    );
  });
});

describe('Archiver: lifecycle', () => {
  it('stop() during start() wins: the archiver never joins the group', async () => {
    const b = await faultRig({}, 'list', false);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const ensure = b.transport.ensureGroup.bind(b.transport);
    b.transport.ensureGroup = async (s, g) => {
      await gate;
      return ensure(s, g);
    };
    const starting = track(b.archiver.start(), b.clock);
    const stopping = track(b.archiver.stop(), b.clock);
    open();
    await b.clock.tick();
    expect(starting.state).toBe('resolved');
    expect(stopping.state).toBe('resolved');
    expect(b.sink.closed).toBe(true);
    await b.send('x', 'y');
    await b.clock.advance(1000);
    expect(b.transport.holding.size).toBe(0); // nothing delivered to a member that is stopped
    await expect(b.archiver.start()).rejects.toBeInstanceOf(NotStartedError);
  });

  it('stop() during a start whose ensureGroup then fails still wins: start resolves, nothing joined', async () => {
    const b = await faultRig({}, 'list', false);
    let fail: (e: Error) => void = () => undefined;
    const gate = new Promise<void>((_, reject) => (fail = reject));
    b.transport.ensureGroup = () => gate;
    const consume = vi.spyOn(b.transport, 'consume');
    const starting = track(b.archiver.start(), b.clock);
    const stopping = track(b.archiver.stop(), b.clock);
    fail(new Error('broker unreachable'));
    await b.clock.tick();
    expect([starting.state, stopping.state]).toEqual(['resolved', 'resolved']);
    expect(consume).not.toHaveBeenCalled();
    expect(b.sink.closed).toBe(true);
  });

  it.each(['ensureGroup', 'consume'] as const)(
    'a start() whose %s throws leaves nothing joined, and the retry archives',
    async (step) => {
      const b = await faultRig({}, 'list', false);
      vi.spyOn(b.transport, step).mockImplementationOnce(() => {
        throw new Error('broker unreachable');
      });
      await expect(b.archiver.start()).rejects.toThrow('broker unreachable');
      await b.archiver.start();
      await b.send('a');
      await b.clock.advance(100);
      expect(b.sink.ids()).toEqual(['a']);
      await b.archiver.stop();
    },
  );

  it('stop() is idempotent: every call returns the same promise, and the sinks close once', async () => {
    const b = await faultRig();
    const close = vi.spyOn(b.sink, 'close');
    await b.send('a');
    const first = b.archiver.stop();
    expect(b.archiver.stop()).toBe(first);
    await first;
    expect(b.archiver.stop()).toBe(first);
    expect(close).toHaveBeenCalledTimes(1);
    expect(b.sink.ids()).toEqual(['a']);
  });

  it.each([
    ['running', true],
    ['never started', false],
  ])('start() after stop() (%s) rejects with NotStartedError naming the fix', async (_, start) => {
    const b = await faultRig({}, 'list', start);
    await b.archiver.stop();
    const error = await b.archiver.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotStartedError);
    expect(error).toMatchObject({
      code: 'NOT_STARTED',
      retryable: false,
      message:
        'archiver (group archiver:requests) was stopped and cannot start again: create a new Archiver',
    });
  });

  it('drain() resolves once everything received is written and acknowledged or dead-lettered', async () => {
    const b = await faultRig({ batchSize: 100, flushIntervalMs: 60_000 });
    await b.caller.publish('requests', { payload: '{oops' });
    await b.send('a', 'b');
    const draining = track(b.archiver.drain(), b.clock);
    await b.clock.tick();
    expect(draining.state).toBe('resolved');
    expect(b.clock.now()).toBe(0);
    expect(b.sink.ids()).toEqual(['a', 'b']);
    expect(b.transport.holding.size).toBe(0);
    expect(b.dead).toHaveLength(1);
  });

  it('Decoy.stop() during start() wins too', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker({ clock });
    const transport = new HoldTracker(new MemoryTransport({ broker }), clock);
    const sink = new FaultySink(clock);
    const decoy = new Decoy({ transport, sinks: [sink], clock });
    const starting = decoy.start();
    await decoy.stop();
    await starting;
    await new MemoryTransport({ broker }).publish('requests', requestMessage('x', 0));
    await clock.advance(5000);
    expect(transport.holding.size).toBe(0);
    expect(sink.closed).toBe(true);
    await expect(decoy.start()).rejects.toMatchObject({
      code: 'NOT_STARTED',
      message: 'decoy (group decoy) was stopped and cannot start again: create a new Decoy',
    });
  });
});

describe('Archiver: dead letters in flight at shutdown', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('stop() waits for a dead-letter write in flight; closing the transport after it rejects nothing', async () => {
    const b = await faultRig();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const publish = b.transport.publish.bind(b.transport);
    b.transport.publish = async (stream: string, m: OutgoingMessage) => {
      if (stream === 'dead-letter') await gate;
      return publish(stream, m);
    };
    await b.caller.publish('requests', { payload: '{oops' });
    await b.clock.tick();
    const stopping = track(b.archiver.stop(), b.clock);
    await b.clock.tick();
    expect(stopping.state).toBe('pending');
    const closing = b.transport.close();
    open();
    await closing;
    await b.clock.tick();
    await new Promise((r) => setTimeout(r, 10));
    expect(stopping.state).toBe('resolved');
    expect(unhandled).toEqual([]);
    expect(b.archiver.stats().deadLettered).toBe(1);
  });
});
