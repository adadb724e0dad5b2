import { describe, expect, it } from 'vitest';
import { medianOfRuns, spreadPct } from '../lib/closed-loop.js';
import { withRatios } from '../lib/report.js';
import { TARGETS } from '../lib/targets.js';
import type { Measurement } from '../lib/types.js';
import { perModelCost } from '../scenarios/scaling.js';

const m = (over: Partial<Measurement> & Pick<Measurement, 'variant'>): Measurement => ({
  scenario: 's',
  isFloor: false,
  concurrency: 50,
  requests: 1000,
  rps: 1000,
  p50Ms: 1,
  p99Ms: 5,
  maxMs: 10,
  peakRssMb: 100,
  ...over,
});

describe("issue 18's targets", () => {
  const hello = m({ variant: 'floor: Fastify hello-world GET /', isFloor: true, rps: 20_000 });
  const direct = m({
    variant: 'floor: Fastify direct call of both models, POST /predict',
    isFloor: true,
    rps: 10_000,
  });

  it('judges the iris all-in-one against the direct-call floor, not hello-world', () => {
    const iris = m({ variant: 'iris all-in-one on memory, POST /predict', rps: 5_000, p99Ms: 19 });
    const [share, p99] = TARGETS.http!([hello, direct, iris]);
    expect(share!.met).toBe(true); // 50% of the direct call, though 25% of hello-world
    expect(share!.actual).toContain('25.0% of hello-world');
    expect(p99!.met).toBe(true);
    const slower = m({
      variant: 'iris all-in-one on memory, POST /predict',
      rps: 4_999,
      p99Ms: 20,
    });
    expect(TARGETS.http!([hello, direct, slower]).map((t) => t.met)).toEqual([false, false]);
  });

  it('judges the split deployment at 40% and p99 < 25 ms, pending without its floor', () => {
    const split = m({ variant: 'iris split over Redis: ...', rps: 4_000, p99Ms: 24 });
    expect(TARGETS['http-redis']!([direct, split]).map((t) => t.met)).toEqual([true, true]);
    expect(TARGETS['http-redis']!([split]).map((t) => t.met)).toEqual([undefined, true]);
  });

  it('meets the memory target on CPU per request when the rate is below 200,000 req/s', () => {
    const fast = m({ variant: 'rendezvous 2 models, priority c=64', concurrency: 64, rps: 50_000 });
    const issue18 = (x: Measurement) => TARGETS.memory!([x])[1]!.met;
    expect(issue18({ ...fast, cpuUsPerRequest: 4.9 })).toBe(true);
    expect(issue18({ ...fast, cpuUsPerRequest: 5.1 })).toBe(false);
    expect(issue18({ ...fast, rps: 200_000 })).toBe(true);
  });

  it('takes the per-extra-model cost from the slope over every model count', () => {
    const rows = perModelCost(
      [1, 2, 4, 8].map((k) =>
        m({
          variant: `${k} model(s)`,
          concurrency: 64,
          cpuUsPerRequest: 10 + 2 * k,
          extra: { models: k },
        }),
      ),
    );
    expect(rows[3]!.extra).toMatchObject({
      cpuUsPerRequestPerModel: 3.25,
      cpuUsPerExtraModel: 2,
      cpuUsPerExtraModelFit: 2,
    });
    const check = TARGETS.scaling!(rows).find((t) => t.description.includes('extra model'))!;
    expect(check.met).toBe(true);
  });
});

describe('runs and ratios', () => {
  it('reports the spread of the runs as (max − min) ÷ median', () => {
    expect(spreadPct([90, 100, 110])).toBe(20);
    expect(spreadPct([5])).toBe(0);
    const run = (rps: number, cpu: number) => ({
      requests: 1,
      errors: 0,
      elapsedMs: 1,
      rps,
      p50Ms: 1,
      p99Ms: 1,
      maxMs: 1,
      peakRssMb: 1,
      cpuUsPerRequest: cpu,
      allocBytesPerRequest: 1000,
    });
    const r = medianOfRuns([run(100, 10), run(80, 12), run(120, 11)]);
    expect(r).toMatchObject({ rps: 100, cpuUsPerRequest: 11, runs: 3 });
    expect(r.spreadPct).toMatchObject({ rps: 40, cpu: 18.2, alloc: 0 });
  });

  it('takes the ratios to the floor a measurement names', () => {
    const direct = m({ variant: 'floor: direct', isFloor: true, rps: 10_000 });
    const hello = m({ variant: 'floor: hello', isFloor: true, rps: 20_000 });
    const iris = m({ variant: 'iris', rps: 5_000, comparedWith: 'floor: direct' });
    expect(withRatios([hello, direct, iris])[2]).toMatchObject({
      floorVariant: 'floor: direct',
      rpsRatio: 0.5,
    });
  });
});
