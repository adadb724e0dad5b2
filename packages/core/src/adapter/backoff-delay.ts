/**
 * Options of {@link backoffDelayMs}.
 *
 * @example
 * ```ts
 * const readBackoff: BackoffOptions = { initialMs: 100, maxMs: 1000 };
 * ```
 */
export interface BackoffOptions {
  /** The delay after the first failure; doubles after each further one. Default 50 ms. */
  readonly initialMs?: number;
  /** The longest delay. Default 2000 ms. */
  readonly maxMs?: number;
}

/**
 * The exponential backoff of the SDK: how long to wait after the `failures`-th failure in a row
 * (1 for the first): `initialMs`, doubling, at most `maxMs`. `retryWithBackoff` waits this
 * (with jitter) between attempts of one operation; an adapter's read loop, which never gives
 * up, waits it between reads that failed.
 *
 * @example
 * ```ts
 * backoffDelayMs(1, { initialMs: 100, maxMs: 1000 }); // 100
 * backoffDelayMs(5, { initialMs: 100, maxMs: 1000 }); // 1000
 * ```
 */
export function backoffDelayMs(failures: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 50;
  const max = options.maxMs ?? 2000;
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(max, initial * 2 ** exponent);
}
