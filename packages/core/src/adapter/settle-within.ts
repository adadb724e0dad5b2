import { type Clock, systemClock } from '../clock.js';

/**
 * Waits for `work` to settle, but at most `ms` on `clock`; never rejects. For the best-effort
 * steps of a close (hand deliveries back, drain a connection) that must not hold the close for
 * ever when the broker is gone.
 *
 * @example
 * ```ts
 * const finished = await settleWithin(connection.drain(), 2000); // false: gave up after 2 s
 * ```
 */
export function settleWithin(
  work: Promise<unknown>,
  ms: number,
  clock: Clock = systemClock,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = clock.setTimeout(() => resolve(false), ms);
    work.then(
      () => {
        timer.cancel();
        resolve(true);
      },
      () => {
        timer.cancel();
        resolve(true);
      },
    );
  });
}
