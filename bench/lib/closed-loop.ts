import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { type CostReading, processCost } from './process-cost.mjs';

/** Raw result of one closed-loop run. */
export interface LoopResult {
  readonly requests: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly peakRssMb: number;
  /** CPU time (user + system) of this process per request, µs (the load generator included). */
  readonly cpuUsPerRequest: number;
  /** JS heap bytes this process allocated per request (see `process-cost.mjs`). */
  readonly allocBytesPerRequest: number;
  /** How many measured runs the figures are the median of (1 for a single run). */
  readonly runs?: number;
  /** Spread of those runs: (max − min) ÷ median, %. */
  readonly spreadPct?: Spread;
}

/** Spread of several runs' figures: (max − min) ÷ median, in %. */
export interface Spread {
  readonly rps: number;
  readonly p99: number;
  readonly cpu: number;
  readonly alloc: number;
}

/** Starts metering this process's CPU and allocations; `done(requests)` gives them per request. */
export function meterCost(): (requests: number) => {
  cpuUsPerRequest: number;
  allocBytesPerRequest: number;
} {
  const meter = processCost();
  const before: CostReading = meter.read();
  return (requests) => {
    const after = meter.read();
    const n = Math.max(1, requests);
    return {
      cpuUsPerRequest: (after.cpuUs - before.cpuUs) / n,
      allocBytesPerRequest: (after.allocatedBytes - before.allocatedBytes) / n,
    };
  };
}

/**
 * What a load loop measures, from its creation to {@link LoopMeter.result}: each call's latency
 * in an HDR histogram (perf_hooks.createHistogram, ns resolution), the failed calls, the peak
 * RSS (sampled when the loop says) and this process's CPU and allocations per request.
 */
export class LoopMeter {
  /** Failed calls. */
  errors = 0;
  private readonly histogram = createHistogram();
  private peakRss = process.memoryUsage().rss;
  private readonly cost = meterCost();
  /** When the loop started (hrtime ns). */
  readonly start = process.hrtime.bigint();

  /** Records the latency of a call started at `t0` (hrtime ns). */
  record(t0: bigint): void {
    this.histogram.record(Number(process.hrtime.bigint() - t0) || 1);
  }

  /** Samples the RSS for the peak. */
  sampleRss(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
  }

  /** The loop's figures, `requests` calls done. */
  result(requests: number): LoopResult {
    const elapsedMs = Number(process.hrtime.bigint() - this.start) / 1e6;
    return summarise(
      this.histogram,
      requests,
      this.errors,
      elapsedMs,
      this.peakRss,
      this.cost(requests),
    );
  }
}

/**
 * Runs `call` with `concurrency` callers in a closed loop (each caller starts its next call when
 * the previous one finishes) until `requests` calls are done, recording each latency in an HDR
 * histogram (perf_hooks.createHistogram, ns resolution).
 */
export async function closedLoop(
  concurrency: number,
  requests: number,
  call: (i: number) => Promise<unknown>,
): Promise<LoopResult> {
  let next = 0;
  const meter = new LoopMeter();
  const rssTimer = setInterval(() => meter.sampleRss(), 50);
  const caller = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      try {
        await call(i);
      } catch {
        meter.errors++;
      }
      meter.record(t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const result = meter.result(requests);
  clearInterval(rssTimer);
  return result;
}

/** Builds a {@link LoopResult} from a latency histogram (ns) and the run's counters. */
export function summarise(
  histogram: RecordableHistogram,
  requests: number,
  errors: number,
  elapsedMs: number,
  peakRssBytes: number,
  cost: Pick<LoopResult, 'cpuUsPerRequest' | 'allocBytesPerRequest'>,
): LoopResult {
  return {
    requests,
    errors,
    elapsedMs,
    rps: (requests / elapsedMs) * 1000,
    p50Ms: histogram.percentile(50) / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    maxMs: histogram.max / 1e6,
    peakRssMb: Math.max(peakRssBytes, process.memoryUsage().rss) / 2 ** 20,
    ...cost,
  };
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Warms up once, then runs `runs` measured loops and reports the median of each figure.
 */
export async function measure(
  runs: number,
  warmup: () => Promise<unknown>,
  once: () => Promise<LoopResult>,
): Promise<LoopResult> {
  await warmup();
  const results: LoopResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  return medianOfRuns(results);
}

/** (max − min) ÷ median of `values`, in % (0 for a single value). */
export function spreadPct(values: readonly number[]): number {
  const m = median(values);
  if (!(m > 0)) return 0;
  return Number(((100 * (Math.max(...values) - Math.min(...values))) / m).toFixed(1));
}

/**
 * The median of each figure of several runs (the peak RSS is the maximum), with the number of
 * runs and their spread.
 */
export function medianOfRuns(results: readonly LoopResult[]): LoopResult {
  const pick = (k: NumericFigure) => median(results.map((r) => r[k]));
  const spread = (k: NumericFigure) => spreadPct(results.map((r) => r[k]));
  return {
    requests: pick('requests'),
    errors: pick('errors'),
    elapsedMs: pick('elapsedMs'),
    rps: pick('rps'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    maxMs: pick('maxMs'),
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
    cpuUsPerRequest: pick('cpuUsPerRequest'),
    allocBytesPerRequest: pick('allocBytesPerRequest'),
    runs: results.length,
    spreadPct: {
      rps: spread('rps'),
      p99: spread('p99Ms'),
      cpu: spread('cpuUsPerRequest'),
      alloc: spread('allocBytesPerRequest'),
    },
  };
}

type NumericFigure = Exclude<keyof LoopResult, 'runs' | 'spreadPct'>;
