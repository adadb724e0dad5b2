import { type Clock, RendezvousError, retryWithBackoff, systemClock } from '@rendezvous-ml/core';
import type { Logger } from 'pino';

/**
 * Options of {@link startWithRetry}.
 *
 * @example
 * ```ts
 * const opts: StartRetryOptions = { what: 'results archiver', logger, attempts: 8 };
 * ```
 */
export interface StartRetryOptions {
  /** What is starting, for the log lines. */
  readonly what: string;
  readonly logger: Logger;
  /** Total attempts, the first included. Default 8 (about a minute with the default delays). */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles up to `maxDelayMs`. Default 500 ms. */
  readonly initialDelayMs?: number;
  /** Default 10 000 ms. */
  readonly maxDelayMs?: number;
  /** Default: the system clock (retry waits keep the process alive). */
  readonly clock?: Clock;
}

/**
 * Starts a role, retrying a transient failure (a `RendezvousError` with `retryable`, such as a
 * broker still starting or a topic whose metadata has not propagated yet) with backoff, a
 * bounded number of times, and logging each failed attempt. A failure that cannot pass
 * (credentials refused, a bad setting) is not retried. `start` must leave nothing running when
 * it fails, so that the next attempt starts from scratch.
 *
 * @example
 * ```ts
 * const archiver = await startWithRetry(() => startIrisResultArchiver(transport, sinks, logger), {
 *   what: 'results archiver', logger,
 * });
 * ```
 */
export function startWithRetry<T>(start: () => Promise<T>, options: StartRetryOptions): Promise<T> {
  const attempts = options.attempts ?? 8;
  let attempt = 0;
  return retryWithBackoff(
    () => {
      attempt++;
      return start();
    },
    {
      attempts,
      initialDelayMs: options.initialDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      // retryWithBackoff's waits keep the process alive, so a role waiting to retry does not exit.
      clock: options.clock ?? systemClock,
      // Called only while attempts remain: a retryable error here is retried.
      isRetryable: (error) => {
        const retryable = error instanceof RendezvousError && error.retryable;
        if (retryable)
          options.logger.warn(
            { err: error, attempt, attempts },
            `${options.what} failed to start; retrying with backoff`,
          );
        return retryable;
      },
    },
  ).catch((error: unknown) => {
    const retryable = error instanceof RendezvousError && error.retryable;
    options.logger.error(
      { err: error, attempt, attempts },
      `${options.what} failed to start${retryable ? ` after ${attempt} attempts` : ' (not retryable)'}`,
    );
    throw error;
  });
}
