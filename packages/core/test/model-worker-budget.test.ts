import type { Json } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { after, track } from './harness.js';
import { never, START, workerRig } from './model-worker-rig.js';

describe('ModelWorker: the time budget of a prediction', () => {
  it('gives up a predict that never returns at the request deadline: aborts its signal, frees its slot, acks, counts it', async () => {
    const signals: AbortSignal[] = [];
    const b = await workerRig(
      (x, ctx) => {
        signals.push(ctx.signal);
        return x === 'hang' ? never<Json>() : x;
      },
      { concurrency: 1 },
    );
    await b.send('hang', { deadlineIn: 200 });
    await b.send('next', { deadlineIn: 1000 });
    await b.clock.advance(199);
    expect(signals[0]?.aborted).toBe(false);
    expect(b.spy.acked).toEqual([]);
    await b.clock.advance(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(b.spy.ledger[0]!.settled).toEqual({ how: 'ack', at: START + 200 });
    expect(b.scores.map((s) => s.requestId)).toEqual(['next']); // no score past the deadline
    expect(b.worker.stats()).toMatchObject({ expiredPredictions: 1, scored: 1, active: 0 });
    expect(b.events).toContainEqual({
      type: 'expired',
      requestId: 'hang',
      stage: 'predict',
    });
  });

  it('lets the deadline win over a later predictTimeoutMs', async () => {
    const b = await workerRig((x) => after(b.clock, 1000, x), { predictTimeoutMs: 500 });
    await b.send('r', { deadlineIn: 200 });
    await b.clock.advance(1000);
    expect(b.scores).toEqual([]);
    expect(b.spy.ledger[0]!.settled).toEqual({ how: 'ack', at: START + 200 });
    expect(b.worker.stats()).toMatchObject({ expiredPredictions: 1, failedPredictions: 0 });
  });

  it('sends PREDICT_TIMEOUT when predictTimeoutMs ends before the deadline, even if predict hangs', async () => {
    const b = await workerRig(() => never<Json>(), { predictTimeoutMs: 100 });
    await b.send('r', { deadlineIn: 1000 });
    await b.clock.advance(100);
    expect(b.scores).toMatchObject([
      { requestId: 'r', ok: false, error: { code: 'PREDICT_TIMEOUT' } },
    ]);
    expect(b.spy.acked).toHaveLength(1);
    expect(b.worker.stats()).toMatchObject({ failedPredictions: 1, expiredPredictions: 0 });
  });

  it('stop() waits for a hung predict only until its budget ends', async () => {
    const b = await workerRig(() => never<Json>());
    await b.send('r', { deadlineIn: 300 });
    await b.clock.advance(10);
    const stopping = track(b.worker.stop(), b.clock);
    await b.clock.advance(1000);
    expect(stopping.state).toBe('resolved');
    expect(stopping.at).toBe(START + 300);
    expect(b.spy.acked).toHaveLength(1);
  });

  it('drops the late result of a prediction given up at the deadline', async () => {
    const b = await workerRig((x) => after(b.clock, 500, x));
    await b.send('r', { deadlineIn: 200 });
    await b.clock.advance(1000);
    expect(b.scores).toEqual([]);
    expect(b.spy.acked).toHaveLength(1);
    expect(b.worker.stats()).toMatchObject({ expiredPredictions: 1, scored: 0, active: 0 });
  });
});
