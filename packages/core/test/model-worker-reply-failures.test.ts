import { decodeRequest } from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';
import { START, workerRig } from './model-worker-rig.js';

const deadlineOf = (payload: string): number => {
  const d = decodeRequest(payload);
  if (!d.ok) throw d.error;
  return d.value.deadline;
};

describe('ModelWorker: scores that cannot be sent', () => {
  it('keeps serving while replies fail for 3 s, settles every delivery within a bound, and scores again once replies work', async () => {
    const retry = { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 };
    const b = await workerRig((x) => x, { concurrency: 2, replyRetry: retry });
    const failUntil = START + 3000;
    b.spy.replyFails = () => b.clock.now() < failUntil;
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      const id = `r${i}`;
      sent.push(id);
      await b.send(id, { deadlineIn: 1000 });
      await b.clock.advance(100);
    }
    await b.clock.advance(3000);

    // Every request sent during the outage reached the worker: it never stopped receiving.
    const received = new Set(
      b.spy.ledger.map((e) => decodeRequest(e.payload)).map((d) => d.ok && d.value.id),
    );
    expect(sent.every((id) => received.has(id))).toBe(true);
    // Every delivery was acknowledged or handed back by its request's deadline plus the retry
    // waits; one that arrived after its deadline (a redelivery) was acknowledged on arrival.
    for (const e of b.spy.ledger) {
      expect(e.settled, `delivery ${e.id}#${e.deliveryCount}`).toBeDefined();
      const deadline = deadlineOf(e.payload);
      if (e.receivedAt >= deadline) expect(e.settled).toEqual({ how: 'ack', at: e.receivedAt });
      else expect(e.settled!.at).toBeLessThanOrEqual(deadline + 150);
    }
    expect(b.spy.released.length).toBeGreaterThan(0);
    // Once replies work, every request whose deadline leaves room for one more hand-back
    // (at most maxDelayMs, jittered) and the reply retries is scored; one whose redelivery would
    // come after its deadline is rightly acknowledged unsent instead.
    const scored = new Set(b.scores.map((s) => s.requestId));
    const room = retry.maxDelayMs + retry.initialDelayMs * 3 + 100;
    const late = sent.filter((_, i) => START + i * 100 + 1000 > failUntil + room);
    expect(late.length).toBeGreaterThan(20);
    expect(late.every((id) => scored.has(id))).toBe(true);
    expect(b.worker.stats().active).toBe(0);
  });

  it('keeps receiving after more than 2 × concurrency replies failed, and dead-letters what was handed back too often', async () => {
    const b = await workerRig((x) => x, {
      concurrency: 1,
      maxDeliveries: 3,
      replyRetry: { attempts: 1 },
    });
    b.spy.replyFails = (m) => m.key?.startsWith('bad') ?? false;
    for (let i = 0; i < 5; i++) await b.send(`bad${i}`, { deadlineIn: 60_000 });
    await b.clock.tick();
    await b.send('good', { deadlineIn: 60_000 });
    await b.clock.advance(10_000);
    expect(b.scores.map((s) => s.requestId)).toEqual(['good']);
    expect(b.worker.stats()).toMatchObject({ replyFailures: 15, deadLettered: 5, active: 0 });
    const releases = b.spy.ledger.filter((e) => e.settled?.how === 'release');
    expect(releases.every((e) => (e.settled?.delayMs ?? 0) > 0)).toBe(true);
    expect(b.spy.ledger.every((e) => e.settled)).toBe(true);
  });

  it('acknowledges and counts a score still unsent when the deadline passes, instead of handing it back', async () => {
    const b = await workerRig((x) => x, {
      replyRetry: { attempts: 100, initialDelayMs: 50, maxDelayMs: 50 },
    });
    b.spy.replyFails = () => true;
    await b.send('r', { deadlineIn: 300 });
    await b.clock.advance(400);
    expect(b.spy.released).toEqual([]);
    expect(b.spy.acked).toHaveLength(1);
    expect(b.spy.ledger[0]!.settled!.at).toBeLessThanOrEqual(START + 300);
    expect(b.worker.stats()).toMatchObject({ expiredUnsent: 1, replyFailures: 0, scored: 0 });
    expect(
      b.events.some((e) => e.type === 'error' && e.error.message.includes("score for 'r'")),
    ).toBe(true);
  });
});
