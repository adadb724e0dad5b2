import { VirtualClock } from '@rendezvous-ml/core';
import { normal, seededRandom } from '@rendezvous-ml/test-kit';
import { describe, expect, it } from 'vitest';
import { Scorecard, type WindowFigures } from '../src/index.js';
import { err, makeResult, ok, pending } from './make-result.js';

const BUCKET = 5_000;
const WINDOWS = [
  { name: '1m', durationMs: 60_000 },
  { name: '10m', durationMs: 600_000 },
  { name: 'all' },
] as const;

/** What was recorded, and when, to count independently of the scorecard. */
interface Event {
  readonly at: number;
  readonly kind: 'ok' | 'error' | 'timeout' | 'late';
}

/** The documented window: the last ⌈d / bucket⌉ buckets, the current one included. */
function inWindow(at: number, now: number, durationMs: number | undefined): boolean {
  if (durationMs === undefined) return true;
  const from = Math.floor(now / BUCKET) * BUCKET - (Math.ceil(durationMs / BUCKET) - 1) * BUCKET;
  return at >= from && at <= now;
}

const model = (w: WindowFigures, key: string) => w.models.find((m) => m.model === key);

describe('Scorecard windows', () => {
  it('counts answers, errors, timeouts and late scores per model in each sliding window', async () => {
    const clock = new VirtualClock(0);
    const scorecard = new Scorecard({
      clock,
      windows: WINDOWS,
      bucketMs: BUCKET,
      snapshotIntervalMs: 0,
    });
    const random = seededRandom(7);
    const events: Event[] = [];
    const checks: number[] = [];
    for (let step = 0; step < 400; step++) {
      await clock.advance(Math.floor(random() * 9_000));
      const now = clock.now();
      const r = random();
      const kind: Event['kind'] = r < 0.7 ? 'ok' : r < 0.8 ? 'error' : r < 0.9 ? 'timeout' : 'late';
      events.push({ at: now, kind });
      const b = kind === 'ok' ? ok('b@1', 1) : kind === 'error' ? err('b@1') : pending('b@1');
      scorecard.record(
        makeResult({
          candidates: [ok('a@1', 1), b],
          late: kind === 'late' ? [ok('b@1', 1)] : [],
          chosen: 'a@1',
        }),
      );
      if (step % 37 === 36) checks.push(step);
      if (step % 37 !== 36) continue;
      const snapshot = scorecard.snapshot();
      for (const w of WINDOWS) {
        const figures = snapshot.windows.find((x) => x.window === w.name)!;
        const mine = events.filter((e) =>
          inWindow(e.at, now, 'durationMs' in w ? w.durationMs : undefined),
        );
        const count = (k: Event['kind']) => mine.filter((e) => e.kind === k).length;
        expect(figures.results).toBe(mine.length);
        expect(model(figures, 'a@1')).toMatchObject({
          candidates: mine.length,
          chosen: mine.length,
          ok: mine.length,
        });
        expect(model(figures, 'b@1')).toMatchObject({
          candidates: mine.length,
          chosen: 0,
          ok: count('ok'),
          errors: count('error'),
          timeouts: count('timeout'),
          late: count('late'),
          errorRate: count('error') / mine.length,
          timeoutRate: count('timeout') / mine.length,
        });
      }
    }
    expect(checks.length).toBeGreaterThan(5);
    // The 1 m window really slid: far fewer results than since start.
    const last = scorecard.snapshot();
    expect(last.windows[0]!.results).toBeLessThan(last.windows[2]!.results / 10);
  });

  it('forgets a bucket once it is older than the window', async () => {
    const clock = new VirtualClock(0);
    const scorecard = new Scorecard({
      clock,
      windows: [{ name: '1m', durationMs: 60_000 }],
      bucketMs: BUCKET,
      snapshotIntervalMs: 0,
    });
    scorecard.record(makeResult({ candidates: [ok('a@1', 1)], chosen: 'a@1' }));
    await clock.advance(59_999); // bucket [0, 5 s) is still one of the last 12
    expect(scorecard.snapshot().windows[0]!.results).toBe(1);
    await clock.advance(1); // at 60 s the window starts at 5 s
    expect(scorecard.snapshot().windows[0]!.results).toBe(0);
    // ...and a ring slot reused after a long silence does not bring old counts back.
    await clock.advance(3_600_000);
    expect(scorecard.snapshot().windows[0]!.results).toBe(0);
  });
});

describe('Scorecard latency percentiles', () => {
  it('reports p50/p95/p99 within 0.1% of the exact order statistics, per window', async () => {
    const clock = new VirtualClock(0);
    const scorecard = new Scorecard({
      clock,
      windows: WINDOWS,
      bucketMs: BUCKET,
      snapshotIntervalMs: 0,
    });
    const random = seededRandom(42);
    const recent: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      if (i === 2_500) await clock.advance(120_000); // the first half leaves the 1 m window
      const ms = Math.exp(1 + 0.8 * normal(random)); // log-normal, median e ≈ 2.7 ms
      all.push(ms);
      if (i >= 2_500) recent.push(ms);
      scorecard.record(
        makeResult({ candidates: [ok('a@1', 1, ms)], chosen: 'a@1', latencyMs: ms + 1 }),
      );
    }
    const exact = (values: number[], p: number) => {
      const sorted = [...values].sort((x, y) => x - y);
      return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    };
    const snapshot = scorecard.snapshot();
    for (const [window, values] of [
      ['1m', recent],
      ['all', all],
    ] as const) {
      const latency = model(snapshot.windows.find((w) => w.window === window)!, 'a@1')!.latencyMs!;
      expect(latency.count).toBe(values.length);
      for (const [p, got] of [
        [50, latency.p50],
        [95, latency.p95],
        [99, latency.p99],
        [100, latency.max],
      ] as const) {
        const want = exact(values, p);
        expect(Math.abs(got - want)).toBeLessThanOrEqual(want * 0.001 + 0.001);
      }
    }
    // The front end's latency is kept too (request accepted to decided).
    const frontEnd = snapshot.windows.find((w) => w.window === 'all')!.latencyMs!;
    expect(Math.abs(frontEnd.p50 - (exact(all, 50) + 1))).toBeLessThanOrEqual(
      (exact(all, 50) + 1) * 0.001 + 0.001,
    );
  });
});
