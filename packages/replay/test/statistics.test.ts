import { percentile, summarizeLatency } from '@rendezvous-ml/replay';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

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
});
