import { createHistogram } from 'node:perf_hooks';
import { type LoopResult, meterCost, summarise } from './closed-loop.js';

/** Open loop: starts a call every 1/rps s, whatever the previous ones are doing. */
export async function openLoop(
  rps: number,
  requests: number,
  call: (i: number) => Promise<unknown>,
): Promise<LoopResult> {
  const histogram = createHistogram();
  let errors = 0;
  let peakRss = process.memoryUsage().rss;
  const cost = meterCost();
  const start = process.hrtime.bigint();
  const interval = 1e9 / rps;
  const calls: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const due = start + BigInt(Math.round(i * interval));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = process.hrtime.bigint();
    calls.push(
      call(i).then(
        () => histogram.record(Number(process.hrtime.bigint() - t0) || 1),
        () => {
          errors++;
        },
      ),
    );
    if (i % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  await Promise.all(calls);
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  return summarise(histogram, requests, errors, elapsedMs, peakRss, cost(requests));
}
