import { RendezvousMetrics } from '@rendezvous-ml/prometheus';
import { Registry } from 'prom-client';
import { closedLoop, type LoopResult, medianOfRuns } from '../lib/closed-loop.js';
import { toMeasurement } from '../lib/measurement.js';
import { startStack } from '../lib/memory-stack.js';
import type { Measurement, Scenario } from '../lib/types.js';

/**
 * The cost of the standard metrics: the memory scenario's front end (2 models, priority, c=64)
 * without any instrumentation, and with `@rendezvous-ml/prometheus` on (the front end and both
 * workers observed, the seam given to the workers), run side by side, and the time one scrape
 * of the registry takes. Target: at most 10% less throughput.
 */
export const observabilityOverhead: Scenario = async ({ quick }) => {
  const runs = quick ? 3 : 5;
  const concurrency = 64;
  const requests = quick ? 10_000 : 100_000;
  const input = { x: 1 };

  const registry = new Registry();
  const metrics = new RendezvousMetrics({ registry });
  // Both stacks live side by side and their runs alternate: on a shared machine the load
  // drifts, and the ratio is only fair between neighbouring runs.
  const plain = await startStack({ models: 2, maxInFlight: 1_000 });
  const measured = await startStack({
    models: 2,
    maxInFlight: 1_000,
    workerInstrumentation: metrics.instrumentation,
  });
  metrics.observeFrontEnd(measured.rendezvous);
  for (const w of measured.workers) metrics.observeWorker(w);
  const loopOf = (s: typeof plain) => () =>
    closedLoop(concurrency, requests, () => s.rendezvous.request(input));
  try {
    await loopOf(plain)();
    await loopOf(measured)();
    const bareRuns: LoopResult[] = [];
    const metricRuns: LoopResult[] = [];
    for (let i = 0; i < runs; i++) {
      bareRuns.push(await loopOf(plain)());
      metricRuns.push(await loopOf(measured)());
    }
    // One scrape after the runs (timers do not fire inside a closed loop on memory, whose
    // deliveries are microtasks): what a Prometheus scrape of this registry costs.
    const t0 = process.hrtime.bigint();
    const text = await registry.metrics();
    const scrapeMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const bare = medianOfRuns(bareRuns);
    const withMetrics = medianOfRuns(metricRuns);
    const ratio = withMetrics.rps / bare.rps;
    const out: Measurement[] = [
      toMeasurement(
        'observability-overhead',
        `front end without instrumentation c=${concurrency}`,
        true,
        concurrency,
        bare,
      ),
      toMeasurement(
        'observability-overhead',
        `front end with Prometheus metrics c=${concurrency}`,
        false,
        concurrency,
        withMetrics,
        {
          throughputRatio: Number(ratio.toFixed(4)),
          throughputDropPct: Number(((1 - ratio) * 100).toFixed(2)),
          scrapeMs: Number(scrapeMs.toFixed(3)),
          scrapeBytes: text.length,
        },
      ),
    ];
    return out;
  } finally {
    await measured.close();
    await plain.close();
  }
};
