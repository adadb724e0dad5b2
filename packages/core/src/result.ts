import type { ModelRef } from './model-ref.js';
import type { Json } from './wire/json.js';
import type { ModelIdentity } from './wire/model-identity.js';
import type { ScoreError } from './wire/score-error.js';

/**
 * One model's part in a request, as reported in a result.
 * - `ok` / `error`: the model scored (successfully or not).
 * - `pending`: the model was alive but had not scored when the request was decided.
 */
export type Candidate<O = Json> =
  | {
      readonly model: ModelIdentity;
      readonly status: 'ok';
      readonly output: O;
      readonly latencyMs: number;
    }
  | {
      readonly model: ModelIdentity;
      readonly status: 'error';
      readonly error: ScoreError;
      readonly latencyMs: number;
    }
  | { readonly model: ModelRef; readonly status: 'pending' };

/**
 * How a request was decided.
 */
export interface Decision {
  /** The policy's name. */
  readonly policy: string;
  /**
   * The version of the policy that decided, when it was set with one (`setPolicy(p, { version })`
   * or from the control channel); absent otherwise. Optional on the wire: older records lack it.
   */
  readonly policyVersion?: number;
  /** The policy's explanation. */
  readonly reason: string;
  /**
   * What caused the evaluation that decided: a score, a requested wake-up, the deadline, a
   * model leaving, or (`publish-failed`) the request could not be published, so no model saw it.
   */
  readonly trigger: 'score' | 'wake' | 'deadline' | 'registry' | 'publish-failed';
}

/**
 * The outcome of one request. `request()` resolves with it at decision time; `results$` emits
 * it once more when the mailbox closes, with late scores in `late`.
 *
 * @example
 * ```ts
 * const result = await rendezvous.request({ x: 1 });
 * console.log(result.chosen?.model.name, result.candidates.length, result.decidedBy.reason);
 * ```
 */
export interface RendezvousResult<I = Json, O = Json> {
  readonly requestId: string;
  readonly input: I;
  /** `answered` when a score was chosen, otherwise `failed` (see `error`). */
  readonly status: 'answered' | 'failed';
  /** The chosen score. */
  readonly chosen?: {
    readonly model: ModelIdentity;
    readonly output: O;
    readonly latencyMs: number;
  };
  /** Every live model at decision time: the scores received, and the models still pending. */
  readonly candidates: readonly Candidate<O>[];
  /** Scores that arrived after the decision. */
  readonly late: readonly Candidate<O>[];
  readonly decidedBy: Decision;
  /** When the request was accepted and decided (clock ms). */
  readonly startedAt: number;
  readonly decidedAt: number;
  /** `decidedAt - startedAt`. */
  readonly latencyMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}
