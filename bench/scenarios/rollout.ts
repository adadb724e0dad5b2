/**
 * The measured rollout (issue 16): the multi-process iris system (decoy, archiver, dt@1, lr@0,
 * dt@2 and bad@1 workers, two front ends on the control channel) under a steady open-loop
 * load over both front ends; a full `Rollout` of dt@2 (shadow → canary 1% / 10% / 50% →
 * promoted → dt@1 retired), then bad@1 rolled out over it, which must roll back.
 *
 * One measurement per stage (the steady state before the rollout is the floor), medians over
 * the runs: HTTP p50 / p99 as the callers saw them, answers by version, failed requests, the
 * time from each publish until every front end applied it and until the first answer decided
 * under it, and the CPU of every process of the system per request. A last row per broker
 * sums the failures of every run and carries the first run's per-second timeline.
 *
 * Targets: 0 failed requests; no stage's p99 above 1.5× the steady state's.
 */

import { type SegmentFigures, versionsText } from '../../chaos/lib/rollout-figures.js';
import { type RolloutRunFigures, runRolloutUnderLoad } from '../../chaos/lib/rollout-run.js';
import { median } from '../lib/closed-loop.js';
import type { BenchOptions, Measurement, Scenario } from '../lib/types.js';

type Broker = 'redis' | 'kafka';

/** Load and gates of a run: 500 req/s in the full run; quick, 100 (50 on Kafka) and short stages. */
function settings(quick: boolean, broker: Broker) {
  // A new Kafka system is slow (p99 2-3 s) and fails some requests for its first ~20 s of load.
  const warmupMs = broker === 'kafka' ? 25_000 : quick ? 3000 : 10_000;
  return quick
    ? {
        runs: 1,
        // On the 2-core machine of docs/benchmarks.md the Kafka system saturates near 100 req/s.
        rate: broker === 'kafka' ? 50 : 100,
        warmupMs,
        steadyMs: 5000,
        tailMs: 3000,
        gate: { minSamples: 200, minStageMs: 2000, maxStageMs: 60_000 },
        // Both rollouts pass in about a minute; a saturated system ends the run here instead.
        rolloutBudgetMs: 180_000,
      }
    : {
        runs: 3,
        // The Kafka system saturates near 100 req/s here: at 500 every request fails and the
        // run never ends (a full run of 2026-12-01 was stopped after 21 minutes in one stage).
        rate: broker === 'kafka' ? 50 : 500,
        warmupMs,
        steadyMs: 20_000,
        tailMs: 5000,
        gate: { minSamples: 1000, minStageMs: 10_000, maxStageMs: 120_000 },
        // Both rollouts pass in 2-3 minutes; a saturated system ends the run here instead.
        rolloutBudgetMs: 360_000,
      };
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const med = (xs: readonly (number | undefined)[]): number | undefined => {
  const present = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return present.length > 0 ? median(present) : undefined;
};

/** The CPU per request of every process of the system (`/proc`), where it was measured. */
const optionalCpu = (cpuUsPerRequest: number | undefined) =>
  cpuUsPerRequest === undefined
    ? {}
    : {
        cpuUsPerRequest: round(cpuUsPerRequest, 0),
        costOf:
          'every process of the system, from /proc (10 ms ticks; broker and load generator not counted); allocations not measured',
      };

/** The median over runs of one stage (by label), as a measurement. */
/** The figures a stage may lack, in the order the report lists them, with their rounding. */
const OPTIONAL_FIGURES = [
  ['publishMs', 0],
  ['applyAllMs', 0],
  ['firstAnswerMs', 0],
  ['frontEndP99Ms', 1],
  ['deadlineDecisions', 0],
] as const satisfies readonly (readonly [keyof SegmentFigures, number])[];

function stageMeasurement(
  scenario: string,
  label: string,
  stages: readonly SegmentFigures[],
  steadyP99Ms: number,
): Measurement {
  const pick = (f: (s: SegmentFigures) => number | undefined) => med(stages.map(f));
  const p99Ms = pick((s) => s.p99Ms) ?? 0;
  const byVersion: Record<string, number> = {};
  for (const s of stages)
    for (const [v, n] of Object.entries(s.byVersion)) byVersion[v] = (byVersion[v] ?? 0) + n;
  // The median of each optional figure the stages measured, rounded to its digits.
  const optional: Record<string, number> = {};
  for (const [key, digits] of OPTIONAL_FIGURES) {
    const value = pick((s) => s[key]);
    if (value !== undefined) optional[key] = round(value, digits);
  }
  return {
    scenario,
    variant: label,
    isFloor: label === 'steady state',
    concurrency: 0,
    requests: stages.reduce((a, s) => a + s.sent, 0),
    rps: pick((s) => s.rps) ?? 0,
    p50Ms: pick((s) => s.p50Ms) ?? 0,
    p99Ms,
    maxMs: pick((s) => s.maxMs) ?? 0,
    peakRssMb: Number.NaN,
    ...optionalCpu(pick((s) => s.cpuUsPerRequest)),
    extra: {
      failed: stages.reduce((a, s) => a + s.failed, 0),
      ...(label === 'steady state' ? {} : { p99VsSteady: round(p99Ms / steadyP99Ms, 2) }),
      seconds: round(pick((s) => s.seconds) ?? 0),
      answers: versionsText(byVersion),
      ...optional,
    },
  };
}

/** The whole run of one broker: failures summed over runs, worst stage, first run's timeline. */
function summary(scenario: string, runs: readonly RolloutRunFigures[], rows: Measurement[]) {
  const steady = rows.find((m) => m.isFloor);
  const stages = rows.filter((m) => !m.isFloor);
  const worst = [...stages].sort((a, b) => b.p99Ms - a.p99Ms)[0];
  const failed = runs.reduce(
    (a, r) => a + Object.values(r.load.failed).reduce((x, y) => x + y, 0),
    0,
  );
  const maxOf = (key: string) =>
    Math.max(0, ...stages.map((m) => Number(m.extra?.[key] ?? Number.NaN)).filter(Number.isFinite));
  const first = runs[0]!;
  return {
    scenario,
    variant: `whole run (${runs.length} run${runs.length > 1 ? 's' : ''} at ${first.rate} req/s)`,
    isFloor: false,
    concurrency: 0,
    requests: runs.reduce((a, r) => a + r.load.sent, 0),
    rps: first.rate,
    p50Ms: steady?.p50Ms ?? 0,
    p99Ms: worst?.p99Ms ?? 0,
    maxMs: Math.max(0, ...rows.map((m) => m.maxMs)),
    peakRssMb: Number.NaN,
    extra: {
      failedRequests: failed,
      hung: runs.reduce((a, r) => a + r.load.hung, 0),
      outcomes: runs
        .map((r) => r.outcomes.map((o) => `${o.candidate} ${o.status}`).join(' / '))
        .join('; '),
      steadyP99Ms: round(steady?.p99Ms ?? 0, 2),
      worstStage: worst?.variant ?? '–',
      maxStageP99VsSteady: round(maxOf('p99VsSteady'), 2),
      maxApplyAllMs: maxOf('applyAllMs'),
      maxFirstAnswerMs: maxOf('firstAnswerMs'),
      badAnswers: runs.reduce((a, r) => a + r.badAnswers, 0),
      problems: runs.flatMap((r) => r.failures).join('; ') || 'none',
    },
    timeline: first.timeline,
    notes: first.events.map((e) => `${(e.t / 1000).toFixed(1)} s: ${e.line}`),
  } satisfies Measurement;
}

async function measureBroker(broker: Broker, address: string, quick: boolean) {
  const scenario = `rollout-${broker}`;
  const s = settings(quick, broker);
  const runs: RolloutRunFigures[] = [];
  for (let i = 0; i < s.runs; i++)
    runs.push(
      await runRolloutUnderLoad({
        broker,
        address,
        rate: s.rate,
        warmupMs: s.warmupMs,
        steadyMs: s.steadyMs,
        tailMs: s.tailMs,
        gate: s.gate,
        rolloutBudgetMs: s.rolloutBudgetMs,
        tag: `bench-${Date.now().toString(36)}-${i}`,
        log: (m) => console.log(`  ${m}`),
      }),
    );
  // The warm-up is not a measurement (its failures still count in the whole run's).
  const labels = [...new Set(runs.flatMap((r) => r.segments.map((g) => g.label)))].filter(
    (l) => l !== 'warm-up',
  );
  const of = (label: string) => runs.flatMap((r) => r.segments.filter((g) => g.label === label));
  const steadyP99 = med(of('steady state').map((g) => g.p99Ms)) ?? Number.NaN;
  const rows = labels.map((l) => stageMeasurement(scenario, l, of(l), steadyP99));
  return [...rows, summary(scenario, runs, rows)];
}

function brokerScenario(broker: Broker): Scenario {
  return async (options: BenchOptions) => {
    const address = broker === 'redis' ? options.redisUrl : options.kafkaBrokers;
    if (!address) throw new Error(`the rollout-${broker} scenario needs the ${broker} service`);
    return measureBroker(broker, address, options.quick);
  };
}

/** The measured rollout on Redis Streams. */
export const rolloutRedis: Scenario = brokerScenario('redis');
/** The measured rollout on Kafka. */
export const rolloutKafka: Scenario = brokerScenario('kafka');
