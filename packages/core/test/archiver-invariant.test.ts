import { Archiver, type DeadLetterRecord, VirtualClock } from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultySink, HoldTracker, parsed, requestMessage } from './archiver-fixtures.js';
import { tapStream } from './harness.js';

const MAX_BACKOFF = 10_000; // the default redeliveryBackoff.maxDelayMs
const FLUSH_MS = 100;
const RETRY = { attempts: 2, initialDelayMs: 10 };
// High enough that no outage here exhausts a good record; poison records that fail alone
// without a name still reach it and go to the dead letter.
const MAX_DELIVERIES = 20;
/**
 * Longest a delivery may be held: it waits for a flush interval or for the round of writes in
 * progress, at most one pause, and its own round. A round writes at most two batches (the
 * prefetch is two batches), each retried `attempts - 1` times.
 */
const HOLD_BOUND = FLUSH_MS + MAX_BACKOFF + 2 * 2 * (RETRY.attempts - 1) * RETRY.initialDelayMs;

const scenario = fc.record({
  records: fc.integer({ min: 1, max: 30 }),
  batchSize: fc.integer({ min: 1, max: 8 }),
  poison: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 4 }),
  mode: fc.constantFrom('list' as const, 'plain' as const, 'range' as const),
  /** Publication time of each record, virtual ms. */
  times: fc.array(fc.integer({ min: 0, max: 15_000 }), { minLength: 30, maxLength: 30 }),
  outages: fc.array(
    fc.record({ from: fc.integer({ min: 0, max: 20_000 }), ms: fc.integer({ min: 1, max: 8000 }) }),
    { maxLength: 3 },
  ),
});

describe('Archiver invariant: nothing held for ever, nothing lost', () => {
  it('every delivery ends acked (in the sink), dead-lettered with a reason, or released, within a bound; after the outages every good record is in the sink exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = new VirtualClock(0);
        const broker = new MemoryBroker({ clock });
        const caller = new MemoryTransport({ broker });
        const transport = new HoldTracker(new MemoryTransport({ broker }), clock);
        const sink = new FaultySink(clock, s.mode);
        for (const o of s.outages) sink.down(o.from, o.from + o.ms);
        const ids = Array.from({ length: s.records }, (_, i) => `r${i}`);
        const poison = new Set(s.poison.filter((i) => i < s.records).map((i) => `r${i}`));
        for (const id of poison) sink.poison.add(id);
        const archiver = new Archiver({
          transport,
          source: 'requests',
          sinks: [sink],
          clock,
          batchSize: s.batchSize,
          flushIntervalMs: FLUSH_MS,
          writeRetry: RETRY,
          maxDeliveries: MAX_DELIVERIES,
        });
        const dead = await tapStream(caller, 'dead-letter');
        await archiver.start();
        const schedule = ids.map((id, i) => ({ id, at: s.times[i]! })).sort((a, b) => a.at - b.at);
        for (const { id, at } of schedule) {
          await clock.advance(at - clock.now());
          await caller.publish('requests', requestMessage(id, clock.now()));
        }
        // Long enough for everything to settle after the last outage: every record held is
        // tried in every round, a record needs at most MAX_DELIVERIES rounds (a poison record
        // the sink refuses alone, unnamed, needs all of them), at most a prefetch of records is
        // held at once, and a round lasts at most HOLD_BOUND. (A fixed 400 s was too short for
        // four such records with batchSize 1: 40 rounds of 10 s.)
        const prefetch = 2 * s.batchSize;
        const quiet = Math.max(0, ...s.outages.map((o) => o.from + o.ms)) - clock.now();
        const rounds = Math.ceil(s.records / prefetch) * MAX_DELIVERIES;
        await clock.advance(Math.max(0, quiet) + rounds * HOLD_BOUND);

        // Bounded: nothing is held now, and nothing was held longer than one pause and a round.
        expect(transport.holding.size).toBe(0);
        expect(transport.longestHold()).toBeLessThanOrEqual(HOLD_BOUND);
        // Every good record is in the sink exactly once.
        const good = ids.filter((id) => !poison.has(id));
        expect(sink.written.map((r) => r.id).sort()).toEqual([...good].sort());
        // Every poison record is in the dead letter, once, with a reason.
        const letters = parsed<DeadLetterRecord>(dead);
        expect(letters.map((l) => JSON.parse(l.payload).id).sort()).toEqual([...poison].sort());
        for (const l of letters)
          expect(['SINK_WRITE_FAILED', 'REDELIVERY_LIMIT']).toContain(l.reason.code);
        // The last outcome of every message is an ack (archived or dead-lettered).
        const last = new Map(transport.outcomes.map((o) => [o.id, o.outcome]));
        expect([...last.values()].every((o) => o === 'acked')).toBe(true);
        expect(last.size).toBe(s.records);
        await archiver.stop();
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
