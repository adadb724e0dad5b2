import { type RolloutRunFigures, runRolloutUnderLoad } from '../lib/rollout-run.js';
import type { LoadSummary } from '../lib/settlement-tracker.js';
import type { Scenario, ScenarioResult } from '../lib/types.js';

/** The load summaries of several runs, added up. */
function addLoads(loads: readonly LoadSummary[]): LoadSummary {
  const failed: Record<string, number> = {};
  for (const l of loads)
    for (const [code, n] of Object.entries(l.failed)) failed[code] = (failed[code] ?? 0) + n;
  const sum = (k: 'sent' | 'answered' | 'hung' | 'settledLate') =>
    loads.reduce((a, l) => a + l[k], 0);
  return {
    sent: sum('sent'),
    answered: sum('answered'),
    failed,
    hung: sum('hung'),
    settledLate: sum('settledLate'),
  };
}

/** The scenario figures of one broker's run, prefixed with the broker. */
function figuresOf(f: RolloutRunFigures): Record<string, number | string> {
  const [, steady, ...stages] = f.segments; // after the warm-up
  const worst = [...stages].sort((a, b) => b.p99Ms - a.p99Ms)[0];
  const max = (xs: readonly (number | undefined)[]) =>
    Math.max(...xs.filter((x): x is number => x !== undefined));
  const p = f.broker;
  return {
    [`${p} outcomes`]: f.outcomes.map((o) => `${o.candidate} ${o.status}`).join(', '),
    [`${p} steady p99 ms`]: Number((steady?.p99Ms ?? 0).toFixed(1)),
    [`${p} worst stage p99`]: worst
      ? `${worst.label} ${worst.p99Ms.toFixed(1)} ms (${(worst.p99Ms / (steady?.p99Ms || 1)).toFixed(2)}×)`
      : '–',
    [`${p} publish → every front end applied, max ms`]: max(stages.map((s) => s.applyAllMs)),
    [`${p} publish → first answer under it, max ms`]: max(stages.map((s) => s.firstAnswerMs)),
    [`${p} bad@1 answers`]: f.badAnswers,
    [`${p} dt@1 answers after its retirement applied`]: f.oldAfterRetired,
  };
}

/**
 * A full rollout and a forced rollback under load, on Redis then on Kafka: the multi-process
 * iris system with two front ends; dt@2 goes from shadow to promotion and dt@1 is retired,
 * then bad@1 is rolled out over dt@2 and must roll back. The bar: 0 failed requests (and the
 * usual: none hung, no archive record lost), both outcomes as expected, bad@1 never answers.
 */
export const rollout: Scenario = {
  name: 'rollout',
  description:
    'Redis then Kafka, multi-process iris (decoy, archiver, dt@1, lr@0, dt@2, bad@1 workers, two front ends on the control channel), HTTP /predict at 50 req/s (30 quick) over both front ends; a Rollout of dt@2 from shadow to dt@1 retired, then bad@1 rolled out and rolled back; bar: 0 failed requests',
  needs: ['redis', 'kafka'],
  limitMs: 480_000,
  run: async (ctx): Promise<ScenarioResult> => {
    const runs: RolloutRunFigures[] = [];
    for (const broker of ['redis', 'kafka'] as const)
      runs.push(
        await runRolloutUnderLoad({
          broker,
          address: broker === 'redis' ? ctx.services.redis!.url : ctx.services.kafka!.brokers,
          rate: ctx.quick ? 30 : 50,
          // A new Kafka system is slow (p99 2-3 s) and fails some requests for its first ~20 s of load.
          warmupMs: broker === 'kafka' ? 25_000 : 2000,
          steadyMs: ctx.quick ? 3000 : 8000,
          tailMs: 2000,
          gate: { minSamples: 200, minStageMs: ctx.quick ? 1000 : 3000, maxStageMs: 60_000 },
          tag: `${ctx.tag}-${broker}`,
          log: ctx.log,
          defer: (c) => ctx.defer(c),
        }),
      );
    return {
      load: addLoads(runs.map((r) => r.load)),
      archives: runs.flatMap((r) =>
        r.archives.map((a) => ({ ...a, archive: `${r.broker} ${a.archive}` })),
      ),
      extra: Object.assign({}, ...runs.map(figuresOf)) as Record<string, number | string>,
      failures: runs.flatMap((r) => r.failures.map((f) => `${r.broker}: ${f}`)),
    };
  },
};
