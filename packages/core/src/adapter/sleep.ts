import { type Clock, systemClock } from '../clock.js';

/**
 * Resolves after `ms` on `clock` (virtual time in tests). The wait does not keep the process
 * alive by itself, as a background loop's should not.
 *
 * @example
 * ```ts
 * await sleep(backoffDelayMs(failures), clock);
 * ```
 */
export function sleep(ms: number, clock: Clock = systemClock): Promise<void> {
  return new Promise<void>((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}
