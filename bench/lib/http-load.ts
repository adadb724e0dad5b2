import autocannon from 'autocannon';
import { median, spreadPct } from './closed-loop.js';
import type { CostReading } from './process-cost.mjs';
import type { Measurement } from './types.js';

/** What one autocannon run measured. */
interface Load {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly cpuUsPerRequest: number;
  readonly allocBytesPerRequest: number;
  readonly brokerCpuUsPerRequest: number;
}

/** One HTTP target of a scenario, loaded by {@link measureHttp}. */
export interface HttpTarget {
  readonly scenario: string;
  readonly variant: string;
  readonly isFloor: boolean;
  readonly url: string;
  readonly path: string;
  /** A JSON body to POST; GET without it. */
  readonly body?: string;
  /** Totals of CPU and allocations of the processes that serve it (see `childCost`). */
  readonly cost: () => Promise<CostReading>;
  /** Which processes `cost` counts, said in the report. */
  readonly costOf: string;
  /** The floor the ratios are taken to. */
  readonly comparedWith?: string;
  /** CPU µs the broker has spent so far (`extra.brokerCpuUsPerRequest`), when it is measured. */
  readonly brokerCpuUs?: () => Promise<number>;
}

/** Connections of every HTTP scenario (the targets of issue 18 are at c=50). */
export const HTTP_CONNECTIONS = 50;

async function once(t: HttpTarget, seconds: number): Promise<Load> {
  const before = await t.cost();
  const broker0 = (await t.brokerCpuUs?.()) ?? Number.NaN;
  const r = await autocannon({
    url: `${t.url}${t.path}`,
    connections: HTTP_CONNECTIONS,
    duration: seconds,
    ...(t.body
      ? { method: 'POST' as const, body: t.body, headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const after = await t.cost();
  const broker1 = (await t.brokerCpuUs?.()) ?? Number.NaN;
  const n = Math.max(1, r.requests.total);
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpuUsPerRequest: (after.cpuUs - before.cpuUs) / n,
    allocBytesPerRequest: (after.allocatedBytes - before.allocatedBytes) / n,
    brokerCpuUsPerRequest: (broker1 - broker0) / n,
  };
}

/**
 * Loads `target` with autocannon at {@link HTTP_CONNECTIONS} connections: a warm-up, then `runs`
 * runs of `seconds`; the medians of each figure, the spread of the runs, and the CPU and
 * allocations per request of the serving processes (their own readings before and after each
 * run, divided by the requests autocannon completed). Peak RSS is the caller's to fill in.
 *
 * @example
 * ```ts
 * const m = await measureHttp(target, { runs: 3, seconds: 10, warmupSeconds: 3 });
 * ```
 */
export async function measureHttp(
  target: HttpTarget,
  { runs, seconds, warmupSeconds }: { runs: number; seconds: number; warmupSeconds: number },
): Promise<Measurement> {
  await once(target, warmupSeconds);
  const results: Load[] = [];
  for (let i = 0; i < runs; i++) results.push(await once(target, seconds));
  const pick = (k: keyof Load) => median(results.map((r) => r[k]));
  const spread = (k: keyof Load) => spreadPct(results.map((r) => r[k]));
  return {
    scenario: target.scenario,
    variant: target.variant,
    isFloor: target.isFloor,
    concurrency: HTTP_CONNECTIONS,
    requests: pick('requests'),
    rps: pick('rps'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    maxMs: pick('maxMs'),
    peakRssMb: Number.NaN,
    cpuUsPerRequest: pick('cpuUsPerRequest'),
    allocBytesPerRequest: pick('allocBytesPerRequest'),
    costOf: target.costOf,
    runs,
    spreadPct: {
      rps: spread('rps'),
      p99: spread('p99Ms'),
      cpu: spread('cpuUsPerRequest'),
      alloc: spread('allocBytesPerRequest'),
    },
    ...(target.comparedWith ? { comparedWith: target.comparedWith } : {}),
    extra: {
      seconds,
      non2xx: pick('non2xx'),
      errors: pick('errors'),
      ...(target.brokerCpuUs
        ? { brokerCpuUsPerRequest: Number(pick('brokerCpuUsPerRequest').toFixed(2)) }
        : {}),
    },
  };
}
