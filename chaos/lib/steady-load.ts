import type { Outcome, SettlementTracker } from './settlement-tracker.js';

/** A running load generator. */
export interface RunningLoad {
  /** Requests started so far. */
  readonly started: number;
  /** Stops starting requests (the ones in flight go on, tracked). */
  stop(): Promise<void>;
}

/**
 * Starts an open-loop load: `rate` requests a second, each started on time whatever the
 * previous ones are doing, each tracked by `tracker` against `deadlineMs`. Runs until stopped.
 *
 * @example
 * ```ts
 * const load = startLoad({ rate: 50, deadlineMs: 1000, tracker, call: (i) => system.call(i) });
 * await sleep(5000);
 * await load.stop();
 * await tracker.drain();
 * ```
 */
export function startLoad(options: {
  readonly rate: number;
  readonly deadlineMs: number;
  readonly tracker: SettlementTracker;
  readonly call: (i: number) => Promise<Outcome>;
  /** Number of the first request (so that several loads of one scenario have distinct ids). */
  readonly firstIndex?: number;
}): RunningLoad {
  const start = Date.now();
  let issued = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const due = Math.floor(((Date.now() - start) * options.rate) / 1000) + 1;
      while (issued < due && running) {
        const i = (options.firstIndex ?? 0) + issued++;
        options.tracker.track(options.deadlineMs, () => options.call(i));
      }
      const next = start + (issued * 1000) / options.rate;
      await sleep(Math.max(1, next - Date.now()));
    }
  })();
  return {
    get started() {
      return issued;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the promise's value, or rejects after `ms` with `what` in the message. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
