import { Scorecard } from '@rendezvous-ml/scorecard';
import { closedLoop, type LoopResult, medianOfRuns } from '../lib/closed-loop.js';
import { toMeasurement } from '../lib/measurement.js';
import { startStack } from '../lib/memory-stack.js';
import type { Measurement, Scenario } from '../lib/types.js';

/**
 * The cost of keeping a live scorecard: the memory scenario's front end (2 models, priority,
 * c=64) with and without a `Scorecard` on its `results$`, run side by side, and the CPU time
 * the scorecard spends per result (its `record()` alone, timed in place). Target: under 5% of
 * the front end's throughput. The inputs have two numeric features, so input and output shift
 * are counted too once the reference window (the first 1,000 results) is complete.
 */
export const scorecard: Scenario = async ({ quick }) => {
  const runs = quick ? 3 : 5;
  const concurrency = 64;
  const requests = quick ? 10_000 : 100_000;
  const input = { x: 1.5, y: 2 };
  const out: Measurement[] = [];

  // Both stacks live side by side and their runs alternate (bare, with, bare, with...): on a
  // shared machine the load drifts, and the ratio is only fair between neighbouring runs.
  const plain = await startStack({ models: 2, maxInFlight: 1_000 });
  const stack = await startStack({ models: 2, maxInFlight: 1_000 });
  const card = new Scorecard({ snapshotIntervalMs: 1_000 });
  // Time record() where it runs, inside results$: the CPU the scorecard adds per result.
  let recorded = 0;
  let recordNs = 0n;
  const record = card.record.bind(card);
  card.record = (result) => {
    const t0 = process.hrtime.bigint();
    record(result);
    recordNs += process.hrtime.bigint() - t0;
    recorded++;
  };
  const subscription = stack.rendezvous.results$.subscribe((r) => card.record(r));
  await card.start();
  const loopOf = (s: typeof plain) => () =>
    closedLoop(concurrency, requests, () => s.rendezvous.request(input));
  await loopOf(plain)();
  await loopOf(stack)();
  const bareRuns: LoopResult[] = [];
  const cardRuns: LoopResult[] = [];
  for (let i = 0; i < runs; i++) {
    bareRuns.push(await loopOf(plain)());
    cardRuns.push(await loopOf(stack)());
  }
  const bare = medianOfRuns(bareRuns);
  const withCard = medianOfRuns(cardRuns);
  out.push(
    toMeasurement(
      'scorecard',
      `front end without scorecard c=${concurrency}`,
      true,
      concurrency,
      bare,
    ),
  );
  const snapshotT0 = process.hrtime.bigint();
  const snapshot = card.snapshot();
  const snapshotMs = Number(process.hrtime.bigint() - snapshotT0) / 1e6;
  subscription.unsubscribe();
  await card.stop();
  await stack.close();
  await plain.close();
  const ratio = withCard.rps / bare.rps;
  out.push(
    toMeasurement(
      'scorecard',
      `front end with scorecard on results$ c=${concurrency}`,
      false,
      concurrency,
      withCard,
      {
        throughputRatio: Number(ratio.toFixed(4)),
        throughputDropPct: Number(((1 - ratio) * 100).toFixed(2)),
        cpuUsPerResult: Number((Number(recordNs) / 1e3 / Math.max(1, recorded)).toFixed(3)),
        snapshotMs: Number(snapshotMs.toFixed(3)),
        resultsCounted: snapshot.windows.find((w) => w.window === 'all')?.results ?? 0,
      },
    ),
  );
  return out;
};
