import type { LoopResult } from './closed-loop.js';
import type { Measurement } from './types.js';

/**
 * Turns a (median) closed-loop result into a {@link Measurement}.
 *
 * @example
 * ```ts
 * toMeasurement('memory', 'rendezvous c=64', false, 64, await measure(3, warm, once));
 * ```
 */
export function toMeasurement(
  scenario: string,
  variant: string,
  isFloor: boolean,
  concurrency: number,
  result: LoopResult,
  extra?: Readonly<Record<string, number | string>>,
): Measurement {
  return {
    scenario,
    variant,
    isFloor,
    concurrency,
    requests: result.requests,
    rps: result.rps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    maxMs: result.maxMs,
    peakRssMb: result.peakRssMb,
    cpuUsPerRequest: result.cpuUsPerRequest,
    allocBytesPerRequest: result.allocBytesPerRequest,
    ...(result.runs === undefined ? {} : { runs: result.runs }),
    ...(result.spreadPct ? { spreadPct: result.spreadPct } : {}),
    ...(extra || result.errors
      ? { extra: { ...(result.errors ? { errors: result.errors } : {}), ...extra } }
      : {}),
  };
}

/** Resolves after the current macrotask turn (every queued microtask has run). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls `condition` once per event-loop turn until it holds, or throws after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
