import {
  jsonEqual,
  outputLabel,
  percentile,
  summarizeLatency,
  wilsonInterval,
} from '@rendezvous-ml/replay';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The Wilson bounds as the roots of (p̂ − p)² = z² p (1 − p) / n, solved as a quadratic. */
function wilsonByQuadratic(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const ph = k / n;
  const a = 1 + (z * z) / n;
  const b = -(2 * ph + (z * z) / n);
  const c = ph * ph;
  const d = Math.sqrt(b * b - 4 * a * c);
  return [(-b - d) / (2 * a), (-b + d) / (2 * a)];
}

describe('statistics of the diff report', () => {
  it('percentile is the nearest rank: the smallest value with at least p % of the sample at or below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (sample, p) => {
          const byDefinition = [...sample]
            .sort((a, b) => a - b)
            .find((v) => sample.filter((x) => x <= v).length / sample.length >= p / 100);
          expect(percentile(sample, p)).toBe(byDefinition);
        },
      ),
    );
    expect(percentile([], 50)).toBeUndefined();
  });

  it('summarizes latency with p50/p95/p99, max and mean', () => {
    const sample = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100 shuffled order
    expect(summarizeLatency(sample)).toEqual({
      count: 100,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      mean: 50.5,
    });
    expect(summarizeLatency([])).toBeUndefined();
  });

  it('the Wilson interval matches the roots of its quadratic and stays within [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, f) => {
          const k = Math.round(f * n);
          const [lo, hi] = wilsonInterval(k, n);
          const [qlo, qhi] = wilsonByQuadratic(k, n);
          expect(lo).toBeCloseTo(Math.max(0, qlo), 9);
          expect(hi).toBeCloseTo(Math.min(1, qhi), 9);
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
          expect(lo).toBeLessThanOrEqual(k / n + 1e-12);
          expect(hi).toBeGreaterThanOrEqual(k / n - 1e-12);
        },
      ),
    );
    const [lo, hi] = wilsonInterval(95, 100);
    expect(lo).toBeCloseTo(0.8882, 3);
    expect(hi).toBeCloseTo(0.9785, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('outputs agree when they are the same JSON value, whatever the key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(
      true,
    );
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
    expect(outputLabel('setosa')).toBe('setosa');
    expect(outputLabel({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});
