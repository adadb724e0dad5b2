import type { Measurement } from './types.js';

/** A target of an issue, checked against the figures of one run. */
export interface TargetCheck {
  readonly scenario: string;
  readonly description: string;
  /** `undefined` when the figures it needs were not measured (scenario skipped or pending). */
  readonly met: boolean | undefined;
  /** The measured figure(s), as text. */
  readonly actual: string;
}

const fmt = (n: number, digits = 2) =>
  n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);

type Checker = (ms: readonly Measurement[]) => TargetCheck[];

function check(
  scenario: string,
  description: string,
  m: Measurement | undefined,
  pass: (m: Measurement) => boolean,
  show: (m: Measurement) => string,
): TargetCheck {
  return m
    ? { scenario, description, met: pass(m), actual: show(m) }
    : { scenario, description, met: undefined, actual: 'not measured' };
}

const ours = (ms: readonly Measurement[]) => ms.filter((m) => !m.isFloor);

/** Issue 16: 0 failed requests, and no stage's p99 above 1.5× the steady state's. */
const rolloutTargets =
  (scenario: string): Checker =>
  (ms) => {
    const whole = ms.find((m) => m.extra?.failedRequests !== undefined);
    return [
      check(
        scenario,
        '0 failed requests during the rollout of dt@2 (to dt@1 retired) and the rollback of bad@1',
        whole,
        (m) => m.extra?.failedRequests === 0 && m.extra?.hung === 0,
        (m) =>
          `${m.extra?.failedRequests} failed, ${m.extra?.hung} hung of ${fmt(m.requests)} (${m.extra?.outcomes})`,
      ),
      check(
        scenario,
        "no stage's p99 above 1.5× the steady-state p99",
        whole,
        (m) => Number(m.extra?.maxStageP99VsSteady) <= 1.5,
        (m) =>
          `worst ${m.extra?.worstStage}: ${m.extra?.maxStageP99VsSteady}× of ${m.extra?.steadyP99Ms} ms`,
      ),
    ];
  };

/** The targets of issues 3, 4, 8 and 16, by scenario. */
export const TARGETS: Readonly<Record<string, Checker>> = {
  'rollout-redis': rolloutTargets('rollout-redis'),
  'rollout-kafka': rolloutTargets('rollout-kafka'),
  scorecard: (ms) => [
    check(
      'scorecard',
      'keeping a Scorecard on results$ costs < 5% of the front end throughput on memory (c=64)',
      ours(ms).find((m) => m.extra?.throughputDropPct !== undefined),
      (m) => Number(m.extra?.throughputDropPct) < 5,
      (m) =>
        `${m.extra?.throughputDropPct}% drop (ratio ${m.extra?.throughputRatio}), ${m.extra?.cpuUsPerResult} µs CPU per result`,
    ),
  ],
  'observability-overhead': (ms) => {
    const variant = (name: string) => ours(ms).find((m) => m.variant.includes(`with ${name} c=`));
    const drop = (name: string, description: string) =>
      check(
        'observability-overhead',
        description,
        variant(name),
        (m) => Number(m.extra?.throughputDropPct) <= 10,
        (m) =>
          `${m.extra?.throughputDropPct}% drop (ratio ${m.extra?.throughputRatio}), +${m.extra?.extraCpuUsPerRequest} µs CPU per request${m.extra?.scrapeMs === undefined ? '' : `, scrape ${m.extra?.scrapeMs} ms`}`,
      );
    return [
      drop(
        'tracing, every request sampled + metrics',
        'with tracing (every request sampled) and metrics on, front-end throughput on memory (c=64) drops by at most 10%',
      ),
      drop(
        'tracing 1 in 100 sampled + metrics',
        'the same with 1 request in 100 sampled (parent-based ratio sampler): at most 10%',
      ),
      drop(
        'tracing 1 in 10 sampled + metrics',
        'the same with 1 request in 10 sampled (parent-based ratio sampler): at most 10%',
      ),
      drop('Prometheus metrics', 'with the Prometheus metrics alone: at most 10%'),
    ];
  },

  memory: (ms) => [
    check(
      'memory',
      '≥ 200,000 req/s at concurrency 64 (2 models, priority)',
      ours(ms).find((m) => m.concurrency === 64),
      (m) => m.rps >= 200_000,
      (m) => `${fmt(m.rps)} req/s`,
    ),
  ],
  redis: (ms) => [
    check(
      'redis',
      'p50 ≤ 0.6 ms at concurrency 1 (front end + 2 workers)',
      ours(ms).find((m) => m.concurrency === 1),
      (m) => m.p50Ms <= 0.6,
      (m) => `p50 ${fmt(m.p50Ms, 3)} ms`,
    ),
    check(
      'redis',
      '≥ 8,000 req/s at concurrency 64',
      ours(ms).find((m) => m.concurrency === 64),
      (m) => m.rps >= 8000,
      (m) => `${fmt(m.rps)} req/s`,
    ),
  ],
  kafka: (ms) => {
    const paced = ours(ms).find((m) => m.concurrency === 0);
    const loops = ours(ms).filter((m) => m.concurrency > 0);
    const best = loops.sort((a, b) => b.rps - a.rps)[0];
    return [
      check(
        'kafka',
        'p50 ≤ 5 ms and p99 ≤ 25 ms at 200 req/s (2 workers)',
        paced,
        (m) => m.p50Ms <= 5 && m.p99Ms <= 25,
        (m) => `p50 ${fmt(m.p50Ms)} ms, p99 ${fmt(m.p99Ms)} ms`,
      ),
      check(
        'kafka',
        '≥ 2,000 req/s sustained',
        best,
        (m) => m.rps >= 2000,
        (m) => `${fmt(m.rps)} req/s (${m.variant})`,
      ),
    ];
  },
  http: (ms) => {
    const floor = ms.find((m) => m.isFloor);
    const iris = ours(ms)[0];
    return [
      check(
        'http',
        "≥ 50% of the Fastify hello-world floor's req/s",
        floor && iris,
        (m) => m.rps >= 0.5 * floor!.rps,
        (m) =>
          `${fmt(m.rps)} req/s = ${((100 * m.rps) / floor!.rps).toFixed(1)}% of ${fmt(floor!.rps)}`,
      ),
      check(
        'http',
        'p99 < 20 ms at 50 connections',
        iris,
        (m) => m.p99Ms < 20,
        (m) => `p99 ${fmt(m.p99Ms)} ms`,
      ),
    ];
  },
  reference: (ms) => {
    const out: TargetCheck[] = [];
    for (const transport of ['memory', 'redis']) {
      const ref = ms.find((m) => m.isFloor && m.variant.includes(`on ${transport}`));
      const our = ours(ms).find((m) => m.variant.includes(`on ${transport}`));
      out.push(
        check(
          'reference',
          `on ${transport}: our p50 ≥ 100× lower than the reference algorithm's, with zero lost answers`,
          ref && our,
          (m) => m.p50Ms * 100 <= ref!.p50Ms && Number(m.extra?.lost ?? 0) === 0,
          (m) =>
            `ours p50 ${fmt(m.p50Ms, 3)} ms vs reference ${fmt(ref!.p50Ms, 1)} ms ` +
            `(${Math.round(ref!.p50Ms / m.p50Ms)}× lower); lost ${m.extra?.lost ?? 0}, ` +
            `wrong ${m.extra?.wrong ?? 0} (reference: lost ${ref!.extra?.lost}, wrong ${ref!.extra?.wrong})`,
        ),
      );
    }
    return out;
  },
  scaling: (ms) => {
    const inflight = ms.filter((m) => m.concurrency === 1 && typeof m.extra?.inFlight === 'number');
    const lo = inflight.find((m) => m.extra?.inFlight === 100);
    const hi = inflight.find((m) => m.extra?.inFlight === 100_000);
    const mem = ms.filter((m) => typeof m.extra?.bytesPerInFlight === 'number');
    const memLo = mem.find((m) => m.extra?.inFlight === 1000);
    const memHi = mem.find((m) => m.extra?.inFlight === 100_000);
    return [
      check(
        'scaling',
        'per-request latency flat (O(1)): p50 with 100,000 pending mailboxes ≤ 2× p50 with 100',
        lo && hi,
        (m) => m.p50Ms <= 2 * lo!.p50Ms,
        (m) => `p50 ${fmt(lo!.p50Ms, 3)} ms → ${fmt(m.p50Ms, 3)} ms`,
      ),
      check(
        'scaling',
        'memory per in-flight request flat: bytes/request at 100,000 ≤ 2× at 1,000',
        memLo && memHi,
        (m) => Number(m.extra!.bytesPerInFlight) <= 2 * Number(memLo!.extra!.bytesPerInFlight),
        (m) => `${memLo!.extra!.bytesPerInFlight} B → ${m.extra!.bytesPerInFlight} B per request`,
      ),
    ];
  },
};
