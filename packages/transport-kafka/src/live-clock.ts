import type { Clock } from '@rendezvous-ml/core';

/**
 * The system clock with timers that keep the process alive. The core's `systemClock` unrefs its
 * timers so a pending deadline never holds a process open; a retry in progress must: while
 * `ensureGroup` waits out a broker that is not up yet, nothing else may be pending (no socket
 * is open), and with unref'd timers the process would exit quietly, with code 0, mid-start.
 *
 * @example
 * ```ts
 * await retryWithBackoff(() => admin.connect(), { clock: liveClock });
 * ```
 */
export const liveClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};
