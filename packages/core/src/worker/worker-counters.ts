/**
 * The counters a `ModelWorker` keeps for `stats()` (see `ModelWorkerStats` for each one).
 *
 * @example
 * ```ts
 * const counters = zeroWorkerCounters();
 * counters.scored++;
 * ```
 */
export function zeroWorkerCounters() {
  return {
    active: 0,
    scored: 0,
    failedPredictions: 0,
    skippedExpired: 0,
    expiredPredictions: 0,
    expiredUnsent: 0,
    replyFailures: 0,
  };
}
