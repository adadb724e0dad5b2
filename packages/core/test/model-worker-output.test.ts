import { type Json, priority, type ScoreEnvelope } from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertWireJson, findWireJsonProblem } from '../src/assert-wire-json.js';
import { after, bench, track } from './harness.js';
import { workerBench } from './model-worker-bench.js';

const circular = (): unknown => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
};

const errorOf = (s: ScoreEnvelope | undefined) => (s && !s.ok ? s.error : undefined);

describe('ModelWorker: outputs JSON cannot carry', () => {
  it.each([
    ['undefined', () => undefined, /returned undefined/],
    ['a function', () => () => 1, /returned a function/],
    ['a symbol', () => Symbol('x'), /returned a symbol/],
    ['NaN', () => Number.NaN, /returned NaN/],
    ['Infinity', () => Number.POSITIVE_INFINITY, /returned Infinity/],
    ['a BigInt', () => 10n, /returned a BigInt \(10n\)/],
    ['a cycle', circular, /circular reference at \/self/],
    ['NaN inside an array', () => [1, Number.NaN], /NaN at \/1/],
    ['undefined inside an array', () => ({ a: [undefined] }), /undefined at \/a\/0/],
    ['a function as a property', () => ({ f: () => 1 }), /a function at \/f/],
  ])(
    'turns %s into an OUTPUT_NOT_SERIALIZABLE error score, counted as failed and acked after it is sent',
    async (_name, make, message) => {
      const b = await workerBench(() => make() as Json);
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
    const b = await workerBench(
      () =>
        ({ label: 'setosa', p: [0.9, 0.1], extra: undefined, at: new Date(0) }) as unknown as Json,
    );
    await b.send('r');
    await b.clock.tick();
    expect(b.scores[0]).toMatchObject({
      ok: true,
      output: { label: 'setosa', p: [0.9, 0.1], at: '1970-01-01T00:00:00.000Z' },
    });
    expect(b.worker.stats().failedPredictions).toBe(0);
  });

  it('lets the front end fall back at once when the preferred model returns undefined', async () => {
    const b = await bench(priority({ order: ['a', 'b'] }), []);
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

describe('findWireJsonProblem (the output check)', () => {
  it('finds nothing in any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findWireJsonProblem(value)).toBeUndefined();
      }),
    );
  });

  it('finds a value JSON cannot carry wherever it is nested, with its JSON Pointer', () => {
    const bad = fc.constantFrom<[unknown, string]>(
      [undefined, 'undefined'],
      [Number.NaN, 'NaN'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
      [1n, 'a BigInt (1n)'],
      [Symbol('s'), 'a symbol'],
      [() => 1, 'a function'],
    );
    const segment = fc.oneof(fc.nat({ max: 3 }), fc.constantFrom('a', 'b/c', 'd~e'));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), bad, (path, [value, found]) => {
        let doc: unknown = value;
        for (const key of [...path].reverse()) {
          if (typeof key === 'number') {
            const arr: unknown[] = Array.from({ length: key + 1 }, () => 0);
            arr[key] = doc;
            doc = arr;
          } else doc = { [key]: doc, ok: 1 };
        }
        if (value === undefined && typeof path.at(-1) === 'string') return; // dropped, as JSON does
        const pointer = path
          .map((k) => `/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`)
          .join('');
        expect(findWireJsonProblem(doc)).toEqual({ found, path: pointer });
      }),
    );
  });

  it('assertWireJson throws OUTPUT_NOT_SERIALIZABLE naming what and where', () => {
    expect(() => assertWireJson({ p: [0.5, Number.NaN] }, 'predict output')).toThrow(
      expect.objectContaining({
        code: 'OUTPUT_NOT_SERIALIZABLE',
        message: 'predict output is not JSON: NaN at /p/1',
      }),
    );
    expect(() => assertWireJson({ at: new Date(0) }, 'x')).not.toThrow();
  });
});
