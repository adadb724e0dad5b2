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

/** CPU µs per request, as text (`–` when not measured). */
const cpu = (m: Measurement) => (m.cpuUsPerRequest === undefined ? '–' : fmt(m.cpuUsPerRequest, 1));

/**
 * Issue 18's HTTP targets: req/s at least `share` of the direct-call floor's (same run), and
 * p99 under `p99Ms`, at 50 connections.
 */
const httpTargets = (
  scenario: string,
  what: string,
  share: number,
  p99Ms: number,
  variant: (m: Measurement) => boolean,
): Checker => {
  return (ms) => {
    const direct = ms.find((m) => m.isFloor && m.variant.includes('direct call'));
    const hello = ms.find((m) => m.isFloor && m.variant.includes('hello-world'));
    const system = ours(ms).find(variant);
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
    return [
      check(
        scenario,
        `${what}: ≥ ${share * 100}% of the direct-call Fastify floor's req/s (50 connections)`,
        direct && system,
        (m) => m.rps >= share * direct!.rps,
        (m) =>
          `${fmt(m.rps)} req/s = ${pct(m.rps, direct!.rps)} of ${fmt(direct!.rps)}` +
          (hello ? ` (${pct(m.rps, hello.rps)} of hello-world's ${fmt(hello.rps)})` : '') +
          `; CPU ${cpu(m)} µs/request vs the floor's ${cpu(direct!)}`,
      ),
      check(
        scenario,
        `${what}: p99 < ${p99Ms} ms at 50 connections`,
        system,
        (m) => m.p99Ms < p99Ms,
        (m) =>
          `p99 ${fmt(m.p99Ms)} ms (the direct-call floor's: ${direct ? fmt(direct.p99Ms) : '–'} ms)`,
      ),
    ];
  };
};

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

/** The targets of issues 3, 4, 8, 16 and 18, by scenario. */
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
    check(
      'memory',
      'issue 18: ≥ 200,000 req/s, or ≤ 5 µs CPU per request, at concurrency 64 (2 models, priority)',
      ours(ms).find((m) => m.concurrency === 64),
      (m) => m.rps >= 200_000 || (m.cpuUsPerRequest ?? Number.POSITIVE_INFINITY) <= 5,
      (m) => `${fmt(m.rps)} req/s, ${cpu(m)} µs CPU per request`,
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
    ((floor) =>
      check(
        'redis',
        'issue 18: ≥ 0.6× the bare ioredis loop at concurrency 64 (front end + 2 workers)',
        floor && ours(ms).find((m) => m.concurrency === 64),
        (m) => m.rps >= 0.6 * floor!.rps,
        (m) => `${(m.rps / floor!.rps).toFixed(2)}× (${fmt(m.rps)} of ${fmt(floor!.rps)} req/s)`,
      ))(ms.find((m) => m.isFloor && m.concurrency === 64)),
  ],
  kafka: (ms) => {
    const paced = ours(ms).find((m) => m.concurrency === 0);
    const loops = ours(ms).filter((m) => m.concurrency > 0);
    const best = [...loops].sort((a, b) => b.rps - a.rps)[0];
    const floor64 = ms.find((m) => m.isFloor && m.concurrency === 64);
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
      check(
        'kafka',
        "issue 18: ≥ 0.8× the bare client loop at concurrency 64, p99 ≤ 2× the floor's (front end + 2 workers)",
        floor64 && loops.find((m) => m.concurrency === 64),
        (m) => m.rps >= 0.8 * floor64!.rps && m.p99Ms <= 2 * floor64!.p99Ms,
        (m) =>
          `${(m.rps / floor64!.rps).toFixed(2)}× (${fmt(m.rps)} of ${fmt(floor64!.rps)} req/s), ` +
          `p99 ${fmt(m.p99Ms)} ms = ${(m.p99Ms / floor64!.p99Ms).toFixed(2)}× the floor's ${fmt(floor64!.p99Ms)} ms`,
      ),
    ];
  },
  http: httpTargets('http', 'iris all-in-one on memory', 0.5, 20, (m) =>
    m.variant.startsWith('iris all-in-one'),
  ),
  'http-redis': httpTargets('http-redis', 'iris split over Redis (5 processes)', 0.4, 25, (m) =>
    m.variant.startsWith('iris split over Redis'),
  ),
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
        'issue 18: each extra model costs ≤ 3 µs CPU per request on memory (slope over 1, 2, 4, 8 models, c=64)',
        ms.find((m) => typeof m.extra?.cpuUsPerExtraModelFit === 'number'),
        (m) => Number(m.extra!.cpuUsPerExtraModelFit) <= 3,
        (m) =>
          `${m.extra!.cpuUsPerExtraModelFit} µs per extra model (CPU per request: ${ms
            .filter((x) => typeof x.extra?.models === 'number' && x.cpuUsPerRequest !== undefined)
            .map((x) => `${x.extra!.models} → ${cpu(x)}`)
            .join(', ')} µs)`,
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
