import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { populationStabilityIndex, wilsonInterval } from '../src/index.js';
import { binOf, quantileEdges } from '../src/quantile-edges.js';

/**
 * The Wilson interval as the set of p whose score test does not reject: the roots of
 * (p̂ − p)² = z² p(1 − p) / n, solved as a quadratic in p (an independent route to the same
 * bounds as the closed form used in the package).
 */
function wilsonByRoots(k: number, n: number, z = 1.96): [number, number] {
  const ph = k / n;
  const a = 1 + (z * z) / n;
  const b = -(2 * ph + (z * z) / n);
  const c = ph * ph;
  const d = Math.sqrt(Math.max(0, b * b - 4 * a * c));
  return [(-b - d) / (2 * a), (-b + d) / (2 * a)];
}

describe('wilsonInterval', () => {
  it('gives the textbook 95% interval for 8 of 10: [0.4902, 0.9433]', () => {
    const i = wilsonInterval(8, 10);
    expect(i.low).toBeCloseTo(0.4902, 4);
    expect(i.high).toBeCloseTo(0.9433, 4);
  });

  it('is not degenerate at 0 and n successes (0/10: [0, 0.2775]; 10/10: [0.7225, 1])', () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(0, 10).high).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(0.7225, 4);
    expect(wilsonInterval(10, 10).high).toBe(1);
  });

  it('knows nothing without trials, and rejects more successes than trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });

  it('matches the roots of the score test for any k of n', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, f) => {
          const k = Math.round(f * n);
          const [low, high] = wilsonByRoots(k, n);
          const i = wilsonInterval(k, n);
          expect(i.low).toBeCloseTo(low, 9);
          expect(i.high).toBeCloseTo(high, 9);
          expect(i.low).toBeLessThanOrEqual(k / n + 1e-12);
          expect(i.high).toBeGreaterThanOrEqual(k / n - 1e-12);
        },
      ),
    );
  });
});

describe('populationStabilityIndex', () => {
  it('is 0 for the same distribution, whatever the sample sizes', () => {
    expect(populationStabilityIndex([25, 25, 25, 25], [50, 50, 50, 50])).toBe(0);
  });

  it('computes Σ (a − e) ln(a / e) over proportions (50/50 vs 80/20 = 0.3·ln1.6 + 0.3·ln2.5)', () => {
    const expected = (0.8 - 0.5) * Math.log(0.8 / 0.5) + (0.2 - 0.5) * Math.log(0.2 / 0.5);
    expect(populationStabilityIndex([50, 50], [80, 20])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.4159, 4);
  });

  it('floors an empty bin at epsilon rather than going infinite', () => {
    const eps = 1e-4;
    const expected = (1 - 0.5) * Math.log(1 / 0.5) + (eps - 0.5) * Math.log(eps / 0.5);
    expect(populationStabilityIndex([10, 10], [20, 0])).toBeCloseTo(expected, 12);
    expect(Number.isFinite(populationStabilityIndex([10, 0], [0, 10]))).toBe(true);
  });

  it('is NaN for an empty distribution and refuses different bins', () => {
    expect(populationStabilityIndex([0, 0], [1, 2])).toBeNaN();
    expect(() => populationStabilityIndex([1], [1, 2])).toThrow(RangeError);
  });

  it('is symmetric and never negative', () => {
    const counts = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(counts, counts, (e, a) => {
        const n = Math.min(e.length, a.length);
        const x = e.slice(0, n);
        const y = a.slice(0, n);
        const psi = populationStabilityIndex(x, y);
        expect(psi).toBeGreaterThanOrEqual(-1e-12);
        expect(populationStabilityIndex(y, x)).toBeCloseTo(psi, 9);
      }),
    );
  });
});

describe('quantileEdges and binOf', () => {
  it('cuts 1..8 into quarters at 3, 5 and 7', () => {
    const edges = quantileEdges([8, 7, 6, 5, 4, 3, 2, 1], 4);
    expect(edges).toEqual([3, 5, 7]);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((v) => binOf(edges, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('gives each distinct value its own bin when there are fewer values than bins', () => {
    const edges = quantileEdges([0, 0, 1, 1, 2, 2], 10);
    expect(edges).toEqual([1, 2]);
    expect([0, 1, 2].map((v) => binOf(edges, v))).toEqual([0, 1, 2]);
  });

  it('puts about 1/bins of the reference values in each bin', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
          minLength: 100,
          maxLength: 500,
        }),
        (values) => {
          fc.pre(new Set(values).size === values.length); // continuous values, no ties
          const edges = quantileEdges(values, 10);
          const counts = new Array<number>(edges.length + 1).fill(0);
          for (const v of values) counts[binOf(edges, v)]!++;
          for (const c of counts) expect(Math.abs(c - values.length / 10)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
