import { type Json, VirtualClock } from '@rendezvous-ml/core';
import { seededRandom } from '@rendezvous-ml/test-kit';
import { describe, expect, it } from 'vitest';
import { Scorecard, type ScorecardSnapshot } from '../src/index.js';
import { makeResult, ok, pending } from './make-result.js';

/** Wilson bounds from the roots of the score test (independent of the package's closed form). */
function wilsonByRoots(k: number, n: number, z = 1.96): [number, number] {
  const ph = k / n;
  const a = 1 + (z * z) / n;
  const b = -(2 * ph + (z * z) / n);
  const d = Math.sqrt(b * b - 4 * a * ph * ph);
  return [(-b - d) / (2 * a), (-b + d) / (2 * a)];
}

const all = (s: ScorecardSnapshot) => s.windows.find((w) => w.window === 'all')!;
const figures = (s: ScorecardSnapshot, model: string) =>
  all(s).models.find((m) => m.model === model)!;

describe('Scorecard agreement', () => {
  it('compares every model with the model chosen most, with its 95% Wilson interval', () => {
    const scorecard = new Scorecard({ clock: new VirtualClock(0), snapshotIntervalMs: 0 });
    const random = seededRandom(3);
    const agreed = { b: 0, c: 0 };
    const n = 500;
    for (let i = 0; i < n; i++) {
      const truth = Math.floor(random() * 3);
      const b = random() < 0.8 ? truth : (truth + 1) % 3;
      const c = random() < 0.6 ? truth : (truth + 2) % 3;
      if (b === truth) agreed.b++;
      if (c === truth) agreed.c++;
      scorecard.record(
        makeResult({
          candidates: [ok('a@1', truth), ok('b@1', b), ok('c@2', c)],
          chosen: random() < 0.7 ? 'a@1' : 'b@1',
        }),
      );
    }
    const s = scorecard.snapshot();
    expect(s.reference).toBe('a@1');
    expect(figures(s, 'a@1').agreement).toBeNull(); // the reference itself
    for (const [model, k] of [
      ['b@1', agreed.b],
      ['c@2', agreed.c],
    ] as const) {
      const a = figures(s, model).agreement!;
      expect(a).toMatchObject({ reference: 'a@1', compared: n, agreed: k, rate: k / n });
      const [low, high] = wilsonByRoots(k, n);
      expect(a.interval.low).toBeCloseTo(low, 9);
      expect(a.interval.high).toBeCloseTo(high, 9);
    }
  });

  it('follows a new most-chosen model without recounting (every pair is kept)', () => {
    const scorecard = new Scorecard({ clock: new VirtualClock(0), snapshotIntervalMs: 0 });
    for (let i = 0; i < 10; i++)
      scorecard.record(
        makeResult({ candidates: [ok('a@1', 1), ok('b@1', i < 4 ? 1 : 2)], chosen: 'a@1' }),
      );
    for (let i = 0; i < 20; i++)
      scorecard.record(
        makeResult({ candidates: [ok('a@1', 1), ok('b@1', 1), ok('c@1', i % 2)], chosen: 'b@1' }),
      );
    const s = scorecard.snapshot();
    expect(s.reference).toBe('b@1');
    // a vs b: 4 agreements in the first 10, 20 in the next 20; c vs b: the 10 odd ones.
    expect(figures(s, 'a@1').agreement).toMatchObject({ compared: 30, agreed: 24 });
    expect(figures(s, 'c@1').agreement).toMatchObject({ compared: 20, agreed: 10 });
  });

  it('uses a configured reference, late scores included, and skips models without a score', () => {
    const scorecard = new Scorecard({
      clock: new VirtualClock(0),
      snapshotIntervalMs: 0,
      reference: 'shadow',
    });
    // The shadow model is pending at the decision and scores late; it is never chosen.
    scorecard.record(
      makeResult({
        candidates: [ok('prod@1', 'x'), pending('shadow@3')],
        late: [ok('shadow@3', 'x')],
        chosen: 'prod@1',
      }),
    );
    scorecard.record(
      makeResult({
        candidates: [ok('prod@1', 'x'), pending('shadow@3')],
        late: [ok('shadow@3', 'y')],
        chosen: 'prod@1',
      }),
    );
    scorecard.record(
      makeResult({ candidates: [ok('prod@1', 'x'), pending('shadow@3')], chosen: 'prod@1' }),
    ); // never scored
    const s = scorecard.snapshot();
    expect(s.reference).toBe('shadow@3');
    expect(figures(s, 'prod@1').agreement).toMatchObject({
      reference: 'shadow@3',
      compared: 2,
      agreed: 1,
    });
  });

  it("counts with the user's agree(a, b), such as a tolerance for a regression", () => {
    const agree = (a: Json, b: Json) => Math.abs((a as number) - (b as number)) <= 0.5;
    const scorecard = new Scorecard({ clock: new VirtualClock(0), snapshotIntervalMs: 0, agree });
    const pairs = [
      [1, 1.2],
      [1, 1.6],
      [3, 2.6],
      [0, -0.5],
      [2, 4],
    ] as const;
    for (const [a, b] of pairs)
      scorecard.record(makeResult({ candidates: [ok('a@1', a), ok('b@1', b)], chosen: 'a@1' }));
    const expected = pairs.filter(([a, b]) => Math.abs(a - b) <= 0.5).length;
    expect(expected).toBe(3);
    expect(figures(scorecard.snapshot(), 'b@1').agreement).toMatchObject({
      compared: 5,
      agreed: expected,
    });
  });

  it('compares outputs by deep equality by default (object keys in any order)', () => {
    const scorecard = new Scorecard({ clock: new VirtualClock(0), snapshotIntervalMs: 0 });
    scorecard.record(
      makeResult({
        candidates: [
          ok('a@1', { label: 'setosa', p: [1, 0] }),
          ok('b@1', { p: [1, 0], label: 'setosa' }),
        ],
        chosen: 'a@1',
      }),
    );
    scorecard.record(
      makeResult({
        candidates: [ok('a@1', { label: 'setosa' }), ok('b@1', { label: 'virginica' })],
        chosen: 'a@1',
      }),
    );
    expect(figures(scorecard.snapshot(), 'b@1').agreement).toMatchObject({
      compared: 2,
      agreed: 1,
    });
  });
});
