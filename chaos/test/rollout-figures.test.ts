import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnswerRecord,
  applyAllMs,
  perSecond,
  segmentFigures,
} from '../lib/rollout-figures.js';

const record = (sentAt: number, latencyMs: number, answer?: string): AnswerRecord =>
  answer === undefined ? { sentAt, latencyMs, failed: 'HUNG' } : { sentAt, latencyMs, answer };

describe('segmentFigures', () => {
  it('puts each request in the segment it was sent in, failures apart from answers', () => {
    const records = [
      record(0, 5, 'dt@1'),
      record(999, 7, 'dt@1'),
      record(1000, 50, 'dt@2'), // the boundary belongs to the next segment
      record(1500, 3000), // failed: no latency counted
      record(2500, 1, 'dt@2'), // after the last segment
    ];
    const [steady, canary] = segmentFigures(records, [
      { label: 'steady state', from: 0, to: 1000, cpuFrom: 0, cpuTo: 4000 },
      { label: 'canary', from: 1000, to: 2000, version: 2, applyAllMs: 12 },
    ]);
    expect(steady).toMatchObject({ sent: 2, answered: 2, failed: 0, rps: 2 });
    expect(steady!.byVersion).toEqual({ 'dt@1': 2 });
    expect(steady!.cpuUsPerRequest).toBe(2000);
    expect(steady!.p99Ms).toBeCloseTo(7, 1);
    expect(canary).toMatchObject({ sent: 2, answered: 1, failed: 1, version: 2, applyAllMs: 12 });
    expect(canary!.byVersion).toEqual({ 'dt@2': 1 });
    expect(canary!.maxMs).toBeLessThan(51); // the failed request's 3 s is not a latency
    expect(canary!.cpuUsPerRequest).toBeUndefined();
  });

  it('counts every request of the segments exactly once (random records and boundaries)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(10_000), ok: fc.boolean() }), { maxLength: 200 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 9_999 }), { maxLength: 6 }),
        (sent, cuts) => {
          const bounds = [0, ...cuts.sort((a, b) => a - b), 10_001];
          const segments = bounds
            .slice(1)
            .map((to, i) => ({ label: `s${i}`, from: bounds[i]!, to }));
          const figures = segmentFigures(
            sent.map((s) => record(s.at, 1, s.ok ? 'm@1' : undefined)),
            segments,
          );
          expect(figures.reduce((a, f) => a + f.sent, 0)).toBe(sent.length);
          expect(figures.reduce((a, f) => a + f.failed, 0)).toBe(sent.filter((s) => !s.ok).length);
        },
      ),
    );
  });
});

describe('perSecond', () => {
  it('buckets by send time from the start, with empty seconds kept', () => {
    const buckets = perSecond(
      [record(1000, 2, 'dt@1'), record(1999, 4, 'dt@2'), record(3500, 1), record(3600, 9, 'dt@2')],
      1000,
    );
    expect(buckets.map((b) => [b.s, b.answers, b.failed])).toEqual([
      [0, { 'dt@1': 1, 'dt@2': 1 }, 0],
      [1, {}, 0],
      [2, { 'dt@2': 1 }, 1],
    ]);
    expect(buckets[1]!.p99Ms).toBe(0);
  });
});

describe('applyAllMs', () => {
  const reports = [
    { instance: 'a', version: 3, at: 90 }, // before the publish: an older report
    { instance: 'a', version: 4, at: 110 },
    { instance: 'b', version: 3, at: 120 }, // still the old version
    { instance: 'b', version: 5, at: 140 }, // a newer version counts as applied
  ];

  it('is the time until the last front end reported the version or a newer one', () => {
    expect(applyAllMs(reports, ['a', 'b'], 4, 100)).toBe(40);
  });

  it('is undefined while a front end has not applied it', () => {
    expect(applyAllMs(reports, ['a', 'b', 'c'], 4, 100)).toBeUndefined();
    expect(applyAllMs(reports, ['a', 'b'], 6, 100)).toBeUndefined();
    expect(applyAllMs(reports, [], 4, 100)).toBeUndefined();
  });
});
