/**
 * Counters of a front end, for metrics.
 *
 * @example
 * ```ts
 * const { inFlight, answered } = rendezvous.stats();
 * ```
 */
export interface RendezvousStats {
  /** Undecided requests. */
  readonly inFlight: number;
  /** Mailboxes still open (undecided, or decided and waiting for late scores). */
  readonly openMailboxes: number;
  readonly answered: number;
  readonly failed: number;
  readonly deadlineExceeded: number;
  readonly overloaded: number;
  readonly lateScores: number;
  /** Scores for requests this instance no longer (or never) had. */
  readonly orphanScores: number;
  /** Second scores from the same model version (redeliveries). */
  readonly duplicateScores: number;
  /** Replies that were not valid score envelopes (sent to the dead letter). */
  readonly invalidScores: number;
  /** Results published to the results stream (with `publishResults`). */
  readonly resultsPublished: number;
  /** Results that could not be published, after retries (with `publishResults`). */
  readonly resultPublishFailures: number;
  /**
   * Times the reply channel ended under the running front end. While it is lost, `request()`
   * fails fast with the cause; a retryable loss reopens a new channel after a backoff.
   */
  readonly replyChannelLosses: number;
  /** Heartbeats that broke the protocol and were dropped (see `rejections$`). */
  readonly invalidHeartbeats: number;
}

/** The stats a front end derives from its state instead of counting them itself. */
export type DerivedStat =
  | 'inFlight'
  | 'openMailboxes'
  | 'resultsPublished'
  | 'resultPublishFailures'
  | 'replyChannelLosses'
  | 'invalidHeartbeats';

/**
 * The counters a front end keeps itself (every stat but the derived ones), all zero.
 *
 * @example
 * ```ts
 * const counters = zeroCounters();
 * counters.answered++;
 * ```
 */
export function zeroCounters(): {
  -readonly [K in Exclude<keyof RendezvousStats, DerivedStat>]: number;
} {
  return {
    answered: 0,
    failed: 0,
    deadlineExceeded: 0,
    overloaded: 0,
    lateScores: 0,
    orphanScores: 0,
    duplicateScores: 0,
    invalidScores: 0,
  };
}
