import { backoffDelayMs } from './adapter/backoff-delay.js';
import { type Clock, systemClock } from './clock.js';
import { RendezvousError } from './errors.js';

/**
 * Options of {@link retryWithBackoff}.
 *
 * @example
 * ```ts
 * const opts: RetryOptions = { attempts: 5, initialDelayMs: 50, maxDelayMs: 2000 };
 * ```
 */
export interface RetryOptions {
  /** Total attempts, the first included. Default 5. */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time. Default 50 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of one delay. Default 2000 ms. */
  readonly maxDelayMs?: number;
  /** Stop retrying once this absolute time (clock ms) would be passed. */
  readonly until?: number;
  /** Which errors are worth another attempt. Default: `RendezvousError`s with `retryable`. */
  readonly isRetryable?: (error: unknown) => boolean;
  readonly clock?: Clock;
}

/**
 * Runs `operation`, retrying retryable failures with exponential backoff and jitter.
 * The last error is rethrown.
 *
 * @example
 * ```ts
 * await retryWithBackoff(() => transport.reply(address, message), { attempts: 3 });
 * ```
 */
export function retryWithBackoff<T>(
  operation: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  // Fast path: the first attempt runs without an async frame; the loop starts only on failure.
  let first: Promise<T>;
  try {
    first = operation();
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.catch((error: unknown) => retryAfterFailure(operation, options, error));
}

async function retryAfterFailure<T>(
  operation: () => Promise<T>,
  options: RetryOptions,
  firstError: unknown,
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const clock = options.clock ?? systemClock;
  const isRetryable =
    options.isRetryable ?? ((e: unknown) => e instanceof RendezvousError && e.retryable);
  const backoff = { initialMs: options.initialDelayMs ?? 50, maxMs: options.maxDelayMs ?? 2000 };
  for (let attempt = 1; ; attempt++) {
    try {
      if (attempt === 1) throw firstError;
      return await operation();
    } catch (error) {
      const wait = backoffDelayMs(attempt, backoff) * (0.5 + Math.random() / 2);
      const tooLate = options.until !== undefined && clock.now() + wait > options.until;
      if (attempt >= attempts || tooLate || !isRetryable(error)) throw error;
      // A retry in progress is pending work: its wait keeps the process alive (a start waiting
      // out a broker may have nothing else pending, and would otherwise exit quietly, code 0).
      await new Promise<void>((resolve) => clock.setTimeout(resolve, wait, { keepAlive: true }));
    }
  }
}
