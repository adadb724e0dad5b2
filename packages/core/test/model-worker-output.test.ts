import { type Json, priority, type ScoreEnvelope } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { after, frontEndRig, track } from './harness.js';
import { workerRig } from './model-worker-rig.js';

const circular = (): unknown => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
};

const errorOf = (s: ScoreEnvelope | undefined) => (s && !s.ok ? s.error : undefined);

describe('ModelWorker: outputs JSON cannot carry', () => {
  it.each([
    ['undefined', () => undefined, /\/output: undefined is not JSON/],
    ['a function', () => () => 1, /\/output: a function is not JSON/],
    ['a symbol', () => Symbol('x'), /\/output: a symbol is not JSON/],
    ['NaN', () => Number.NaN, /\/output: NaN is not JSON/],
    ['Infinity', () => Number.POSITIVE_INFINITY, /\/output: Infinity is not JSON/],
    ['a BigInt', () => 10n, /\/output: a bigint is not JSON/],
    ['a cycle', circular, /\/output\/self: cyclic reference/],
    ['NaN inside an array', () => [1, Number.NaN], /\/output\/1: NaN is not JSON/],
    ['undefined inside an array', () => ({ a: [undefined] }), /\/output\/a\/0: undefined/],
    ['a function as a property', () => ({ f: () => 1 }), /\/output\/f: a function/],
    ['a Date', () => new Date(0), /\/output: a Date is not JSON.*toISOString/],
  ])(
    'turns %s into an OUTPUT_NOT_SERIALIZABLE error score, counted as failed and acked after it is sent',
    async (_name, make, message) => {
      const b = await workerRig(() => make() as Json);
      await b.send('r');
      await b.clock.tick();
      expect(b.scores).toHaveLength(1);
      expect(errorOf(b.scores[0])).toMatchObject({ code: 'OUTPUT_NOT_SERIALIZABLE' });
      expect(errorOf(b.scores[0])?.message).toMatch(message);
      expect(b.worker.stats()).toMatchObject({ failedPredictions: 1, scored: 1, active: 0 });
      expect(b.spy.acked).toHaveLength(1);
      expect(b.events).toContainEqual({ type: 'scored', requestId: 'r', ok: false, durationMs: 0 });
    },
  );

  it('keeps JSON outputs as they are, dropping undefined properties as JSON does', async () => {
    const b = await workerRig(
      () => ({ label: 'setosa', p: [0.9, 0.1], extra: undefined }) as unknown as Json,
    );
    await b.send('r');
    await b.clock.tick();
    expect(b.scores[0]).toMatchObject({ ok: true, output: { label: 'setosa', p: [0.9, 0.1] } });
    expect(b.worker.stats().failedPredictions).toBe(0);
  });

  it('lets the front end fall back at once when the preferred model returns undefined', async () => {
    const b = await frontEndRig(priority({ order: ['a', 'b'] }), []);
    await b.addWorker('a@1', { predict: () => after(b.clock, 5, undefined as unknown as Json) });
    await b.addWorker('b@1', { predict: (x) => after(b.clock, 10, { b: x }) });
    const answer = track(b.rendezvous.request(1), b.clock);
    await b.clock.advance(10);
    expect(answer.state).toBe('resolved');
    expect(answer.value?.chosen).toMatchObject({ model: { name: 'b' }, output: { b: 1 } });
    expect(answer.value?.candidates).toContainEqual(
      expect.objectContaining({ model: expect.objectContaining({ name: 'a' }), status: 'error' }),
    );
    await b.close();
  });
});
