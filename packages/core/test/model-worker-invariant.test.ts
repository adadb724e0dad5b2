import type { Json, VirtualClock } from '@rendezvous-ml/core';
import { decodeRequest } from '@rendezvous-ml/core/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { after, track } from './harness.js';
import { never, START, workerRig } from './model-worker-rig.js';

/** What predict does with one request: answer after `ms`, hang, throw, or return undefined. */
type Step =
  | { readonly kind: 'ok'; readonly ms: number }
  | { readonly kind: 'throw'; readonly ms: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'undefined' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('ok' as const),
      ms: fc.integer({ min: 0, max: 400 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('throw' as const),
      ms: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'undefined' as const }) },
);

const scenario = fc.record({
  requests: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 2000 }),
      deadlineIn: fc.integer({ min: 1, max: 1500 }),
      step,
    }),
    { minLength: 1, maxLength: 25 },
  ),
  concurrency: fc.integer({ min: 1, max: 4 }),
  predictTimeoutMs: fc.option(fc.integer({ min: 20, max: 600 }), { nil: undefined }),
  maxDeliveries: fc.integer({ min: 1, max: 6 }),
  attempts: fc.integer({ min: 1, max: 4 }),
  /** Reply attempts fail by this pattern (cycled) until `outageEndsAt`. */
  replyFailures: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  outageEndsAt: fc.integer({ min: 0, max: 3000 }),
});

/** The most a retry waits once; with the deadline cap, the slack past a deadline. */
const RETRY_BUDGET_MS = 100;

function predict(clock: VirtualClock, input: Json): Json | Promise<Json> {
  const s = input as unknown as Step;
  switch (s.kind) {
    case 'ok':
      return after(clock, s.ms, 'ok');
    case 'throw':
      return new Promise((_, reject) => clock.setTimeout(() => reject(new Error('boom')), s.ms));
    case 'hang':
      return never<Json>();
    case 'undefined':
      return undefined as unknown as Json;
  }
}

describe('ModelWorker: invariant under faults (property, virtual time)', () => {
  it('settles every delivery within its deadline plus the retry budget, and never stops receiving', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const b = await workerRig((x) => predict(b.clock, x), {
          concurrency: sc.concurrency,
          maxDeliveries: sc.maxDeliveries,
          replyRetry: { attempts: sc.attempts, initialDelayMs: 20, maxDelayMs: RETRY_BUDGET_MS },
          ...(sc.predictTimeoutMs === undefined ? {} : { predictTimeoutMs: sc.predictTimeoutMs }),
        });
        let attempt = 0;
        b.spy.replyFails = () =>
          b.clock.now() < START + sc.outageEndsAt &&
          sc.replyFailures[attempt++ % sc.replyFailures.length]!;

        const requests = [...sc.requests].sort((x, y) => x.at - y.at);
        for (const [i, r] of requests.entries()) {
          await b.clock.advance(START + r.at - b.clock.now());
          await b.send(`r${i}`, { input: r.step as unknown as Json, deadlineIn: r.deadlineIn });
        }
        await b.clock.advance(3000 + 1500);

        for (const e of b.spy.ledger) {
          const d = decodeRequest(e.payload);
          if (!d.ok) throw d.error;
          const bound = Math.max(e.receivedAt, d.value.deadline) + RETRY_BUDGET_MS;
          expect(e.settled, `delivery ${e.id}#${e.deliveryCount} was never settled`).toBeDefined();
          expect(e.settled!.at, `delivery ${e.id}#${e.deliveryCount}`).toBeLessThanOrEqual(bound);
        }
        expect(b.worker.stats().active).toBe(0);

        // The worker still receives and scores once replies work.
        b.spy.replyFails = () => false;
        const fresh = Array.from({ length: 2 * sc.concurrency + 2 }, (_, i) => `fresh${i}`);
        for (const id of fresh)
          await b.send(id, { input: { kind: 'ok', ms: 1 }, deadlineIn: 1000 });
        await b.clock.advance(1000);
        const scored = new Set(b.scores.map((s) => s.requestId));
        expect(fresh.filter((id) => !scored.has(id))).toEqual([]);

        const stopping = track(b.worker.stop(), b.clock);
        await b.clock.advance(1500);
        expect(stopping.state).toBe('resolved');
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
