import { type Clock, systemClock } from '@rendezvous-ml/core';

/**
 * Spaces calls at a steady rate on a {@link Clock}: the n-th `wait()` resolves no sooner than
 * `(n − 1) / rate` seconds after the first. A pause (a full in-flight window) does not bank
 * credit for a burst afterwards: the schedule restarts from the time the caller comes back.
 *
 * @example
 * ```ts
 * const pace = new RatePacer(50); // 50 requests per second
 * for (const input of inputs) { await pace.wait(); void rendezvous.request(input); }
 * ```
 */
export class RatePacer {
  private readonly intervalMs: number;
  private nextAt: number | undefined;

  /** `rate` in calls per second; `Infinity` (or undefined) never waits. */
  constructor(
    rate: number | undefined,
    private readonly clock: Clock = systemClock,
  ) {
    if (rate !== undefined && !(rate > 0))
      throw new TypeError(`rate must be a positive number of requests per second, got ${rate}`);
    this.intervalMs = rate === undefined ? 0 : 1000 / rate;
  }

  /** Resolves when the next call is due. */
  wait(): Promise<void> {
    if (this.intervalMs === 0) return Promise.resolve();
    const now = this.clock.now();
    const due = this.nextAt === undefined || this.nextAt < now ? now : this.nextAt;
    this.nextAt = due + this.intervalMs;
    if (due <= now) return Promise.resolve();
    return new Promise((resolve) => {
      // keepAlive: a replay waiting for its next slot is work in progress.
      this.clock.setTimeout(resolve, due - now, { keepAlive: true });
    });
  }
}
