import {
  Archiver,
  type ArchiverOptions,
  type DeadLetterRecord,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import {
  FaultySink,
  HoldTracker,
  type PoisonMode,
  parsed,
  requestMessage,
} from './archiver-fixtures.js';
import { tapStream } from './harness.js';

/**
 * After a pause the archiver writes everything it holds once (one round), and pauses again only
 * after that round: a delivery waits for at most one pause, whatever was queued ahead of it.
 */
async function frontEndRig(options: Partial<ArchiverOptions>, mode: PoisonMode = 'list') {
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
    flushIntervalMs: 100,
    writeRetry: { attempts: 1 },
    ...options,
  });
  const dead = await tapStream(caller, 'dead-letter');
  await archiver.start();
  const send = async (id: string) => {
    await caller.publish('requests', requestMessage(id, clock.now()));
    await clock.tick();
  };
  return { clock, caller, transport, sink, archiver, dead, send };
}

describe('Archiver: one pause per round of writes', () => {
  it('a delivery queued behind several partial batches while the sink is down waits one pause, not one per batch ahead', async () => {
    // Minimal counterexample of the invariant property: records trickle in during an outage,
    // so each flush interval cuts a one-record batch; each used to wait for its own pause.
    const b = await frontEndRig({ batchSize: 4 }); // prefetch 8
    b.sink.down(0, 60_000);
    for (let i = 0; i < 8; i++) {
      await b.send(`r${i}`);
      await b.clock.advance(300);
    }
    await b.clock.advance(120_000);
    expect(b.sink.ids().sort()).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}`).sort());
    expect(b.transport.holding.size).toBe(0);
    // One pause (10 s cap) plus a flush interval; it was about 35 s (seven pauses in a row).
    expect(b.transport.longestHold()).toBeLessThanOrEqual(10_000 + 100);
  });

  it('records a sink refuses alone without naming them are all retried in each round, so they reach the dead letter after maxDeliveries rounds, not one record per pause', async () => {
    const maxDeliveries = 5;
    const b = await frontEndRig(
      {
        batchSize: 1,
        maxDeliveries,
        redeliveryBackoff: { initialDelayMs: 1000, maxDelayMs: 1000 },
      },
      'plain',
    );
    b.sink.poison.add('a').add('b'); // prefetch 2: both are held in every round
    await b.send('a');
    await b.send('b');
    // Five rounds, a pause of 1 s after each of the first four: they used to take turns (ten pauses).
    await b.clock.advance(maxDeliveries * 1000);
    const letters = parsed<DeadLetterRecord>(b.dead);
    expect(letters.map((l) => JSON.parse(l.payload).id).sort()).toEqual(['a', 'b']);
    expect(letters.map((l) => l.reason.code)).toEqual(['REDELIVERY_LIMIT', 'REDELIVERY_LIMIT']);
    expect(b.sink.calls).toBe(2 * maxDeliveries);
    expect(b.transport.holding.size).toBe(0);
    expect(b.transport.longestHold()).toBeLessThanOrEqual(1000 + 100);
  });

  it('a redelivery that comes back during a pause is written in the round that ends it, not a flush interval later in a round of its own', async () => {
    // Minimal counterexample of the invariant property: r2 and r3 (refused alone, unnamed) took
    // turns, one per pause, because each came back just before the other's round started and
    // waited for its own flush interval; they needed 40 pauses instead of 20.
    const maxDeliveries = 20;
    const b = await frontEndRig(
      { batchSize: 2, maxDeliveries, writeRetry: { attempts: 2, initialDelayMs: 10 } },
      'range',
    );
    b.sink.poison.add('r2').add('r3');
    for (const id of ['r0', 'r1', 'r2']) await b.caller.publish('requests', requestMessage(id, 0));
    await b.clock.advance(700);
    await b.send('r3');
    await b.clock.advance(maxDeliveries * (10_000 + 100));
    expect(b.sink.ids()).toEqual(['r0', 'r1']);
    const letters = parsed<DeadLetterRecord>(b.dead);
    expect(letters.map((l) => JSON.parse(l.payload).id).sort()).toEqual(['r2', 'r3']);
    expect(b.transport.holding.size).toBe(0);
    expect(b.transport.longestHold()).toBeLessThanOrEqual(10_000 + 100);
  });
});
