import type { RendezvousError } from '../errors.js';

/**
 * Something that happened in a worker, for logs and metrics.
 * - `scored`: a score (successful or an error score) was sent and the request acknowledged.
 * - `skipped`: a request already past its deadline was acknowledged without predicting.
 * - `expired`: the deadline passed while predicting (`stage: 'predict'`) or while the score
 *   could not be sent (`stage: 'reply'`); the request was acknowledged without a score.
 * - `dead-lettered`: a message that cannot be processed went to the dead letter.
 * - `error`: a transport failure (a score that could not be sent, a failed ack, a lost consumer).
 * - `draining`: the worker announced that it leaves and takes no new requests; it finishes the
 *   `inFlight` ones it started, then leaves its group (`events$` completes then). `reason` is
 *   `stop` (`worker.stop()`) or `retire` (a `retire` message for this version on the control
 *   channel, sent at `retireTs`).
 *
 * @example
 * ```ts
 * worker.events$.subscribe((e) => e.type === 'error' && log.warn(e.error));
 * ```
 */
export type WorkerEvent =
  | {
      readonly type: 'scored';
      readonly requestId: string;
      readonly ok: boolean;
      readonly durationMs: number;
    }
  | { readonly type: 'skipped'; readonly requestId: string; readonly reason: 'deadline' }
  | { readonly type: 'expired'; readonly requestId: string; readonly stage: 'predict' | 'reply' }
  | { readonly type: 'dead-lettered'; readonly id: string; readonly reason: string }
  | { readonly type: 'error'; readonly error: RendezvousError }
  | {
      readonly type: 'draining';
      readonly reason: 'stop' | 'retire';
      readonly inFlight: number;
      readonly retireTs?: number;
    };

/**
 * Counters of a worker, for metrics. Every request a worker receives ends in exactly one of
 * `scored`, `skippedExpired`, `expiredPredictions`, `expiredUnsent`, `deadLettered` or
 * `replyFailures` (handed back, and counted again when it comes back).
 *
 * @example
 * ```ts
 * expect(worker.stats().skippedExpired).toBe(1);
 * ```
 */
export interface ModelWorkerStats {
  /** Predictions (and score sends) holding a concurrency slot now. */
  readonly active: number;
  /** Scores sent and acknowledged, error scores included. */
  readonly scored: number;
  /** Error scores sent: predict threw, timed out, or returned an output JSON cannot carry. */
  readonly failedPredictions: number;
  /** Requests already past their deadline (on arrival or while queued), acknowledged without predicting. */
  readonly skippedExpired: number;
  /** Predictions still running at the request's deadline: given up and acknowledged without a score. */
  readonly expiredPredictions: number;
  /** Scores that could not be sent before the request's deadline: acknowledged without a reply. */
  readonly expiredUnsent: number;
  readonly deadLettered: number;
  /** Scores that could not be sent after `replyRetry`: the request was handed back for redelivery. */
  readonly replyFailures: number;
  /**
   * Times the consume stream ended under the running worker (a connection lost, a reply the
   * transport cannot parse, the transport closed). Each time the worker announced that it leaves;
   * after a retryable failure it rejoined after a backoff.
   */
  readonly consumerLosses: number;
}
