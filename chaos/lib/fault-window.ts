import type { Outcome, SettlementTracker } from './settlement-tracker.js';
import { sleep, startLoad } from './steady-load.js';

/** When the phases of a fault run happened (epoch ms). */
export interface FaultTimes {
  readonly loadStart: number;
  readonly faultStart: number;
  /** When the fault ended (the service is back, the sink works again...). */
  readonly faultEnd: number;
  readonly loadEnd: number;
}

/**
 * A fault: resolves when it is over, or with the moment (epoch ms) it was over.
 *
 * @example
 * ```ts
 * const fault: Fault = () => sink.failFor(10_000);
 * ```
 */
export type Fault = () => Promise<number | undefined> | Promise<void>;

/** When a fault that resolved with `ended` was over: that moment, or now if it gave none. */
export function faultEndOf(ended: number | undefined): number {
  return ended || Date.now();
}

/**
 * Runs steady load for `beforeMs`, then `fault()` (which resolves when the fault is over, or
 * with the moment it was), then `afterMs` more load; then waits (bounded) for every request
 * to settle or be declared hung.
 *
 * @example
 * ```ts
 * const times = await underLoad({ tracker, rate: 50, deadlineMs: 1000, call, beforeMs: 2000, afterMs: 4000,
 *   fault: () => sink.failFor(10_000) });
 * ```
 */
export async function underLoad(options: {
  readonly tracker: SettlementTracker;
  readonly rate: number;
  readonly deadlineMs: number;
  readonly call: (i: number) => Promise<Outcome>;
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly fault: Fault;
}): Promise<FaultTimes> {
  const loadStart = Date.now();
  const load = startLoad(options);
  await sleep(options.beforeMs);
  const faultStart = Date.now();
  let faultEnd: number;
  try {
    faultEnd = faultEndOf((await options.fault()) ?? undefined);
  } catch (error) {
    await load.stop();
    await options.tracker.drain();
    throw error;
  }
  await sleep(options.afterMs);
  await load.stop();
  const loadEnd = Date.now();
  await options.tracker.drain();
  return { loadStart, faultStart, faultEnd, loadEnd };
}
