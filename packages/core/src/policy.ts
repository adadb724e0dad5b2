import type { ModelRef } from './model-ref.js';
import type { ScoreEnvelope } from './wire/score.js';

/**
 * A successful score.
 *
 * @example
 * ```ts
 * const ok = view.scores.filter((s): s is OkScore => s.ok);
 * ```
 */
export type OkScore = Extract<ScoreEnvelope, { ok: true }>;

/**
 * What a policy sees when it is evaluated: the request's timing, the scores in arrival order,
 * the models that are alive, and a random number fixed for this request.
 */
export interface PolicyView {
  readonly requestId: string;
  /** When the front end accepted the request (clock ms). */
  readonly startedAt: number;
  /**
   * Absolute deadline (clock ms). At or past it, the policy must answer with the best usable
   * score it has; without one, `wait` or `fail` gives the request up.
   */
  readonly deadline: number;
  /** The current time (clock ms). */
  readonly now: number;
  /** Scores received so far, in arrival order. At most one per model version. */
  readonly scores: readonly ScoreEnvelope[];
  /**
   * Model versions that are alive now (they sent a heartbeat recently) and were already live
   * when the request started: a version that joined later is not waited for (its scores, if
   * any come, are still in `scores`).
   */
  readonly live: readonly ModelRef[];
  /** Uniform in [0, 1), fixed per request: use it for random choices so they are replayable. */
  readonly random: number;
}

/**
 * A policy's verdict.
 * - `answer`: reply now with `score`.
 * - `wait`: evaluate again when a score arrives, and at `wakeAt` if given.
 * - `fail`: no usable score can come; fail the request now.
 *
 * At or past the deadline no later evaluation comes: a policy that holds a usable score must
 * answer with it (every built-in policy does, `staged` included, with the windows still to
 * come). `wait` there means "nothing usable", and the front end fails the request with a
 * `DeadlineExceededError`.
 */
export type PolicyDecision =
  | { readonly action: 'answer'; readonly score: OkScore; readonly reason: string }
  | { readonly action: 'wait'; readonly wakeAt?: number; readonly reason?: string }
  | { readonly action: 'fail'; readonly reason: string };

/**
 * Picks the answer for one request. A policy is a pure function of its {@link PolicyView}:
 * it is evaluated when a score arrives, at the wake-up times it asks for, and at the deadline.
 */
export interface RendezvousPolicy {
  /** Name recorded in every result's `decidedBy`. */
  readonly name: string;
  decide(view: PolicyView): PolicyDecision;
}
