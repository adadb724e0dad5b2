import { InvalidEnvelopeError } from '../errors.js';
import { encodeEnvelope } from '../wire/encode-envelope.js';
import type { Json } from '../wire/json.js';
import type { ScoreEnvelope } from '../wire/score.js';
import type { PredictOutcome } from './predict-within-budget.js';

/**
 * The fields of a score known before predicting.
 *
 * @example
 * ```ts
 * const base: ScoreBase = { v: 1, requestId: 'r1', model, receivedAt: 1, startedAt: 1 };
 * ```
 */
export type ScoreBase = Omit<ScoreEnvelope, 'ok' | 'output' | 'error' | 'finishedAt'>;

const FIX = 'return null, a boolean, a finite number, a string, an array or a plain object';

/**
 * Builds the score of a finished prediction and encodes it with the one strict wire encoder
 * ({@link encodeEnvelope}, which checks values with `assertWireJson`). An output JSON cannot
 * carry unchanged (`undefined`, `NaN`, a `BigInt`, a cycle, a `Date`...) becomes an
 * `OUTPUT_NOT_SERIALIZABLE` error score that says what `predict` returned and where, so the
 * front end can fall back at once instead of discarding a score it cannot read and waiting for
 * the deadline.
 *
 * @example
 * ```ts
 * const { envelope, payload } = buildScore(base, { kind: 'output', output: Number.NaN }, clock.now());
 * // envelope.ok === false, envelope.error.code === 'OUTPUT_NOT_SERIALIZABLE'
 * ```
 */
export function buildScore<O>(
  base: ScoreBase,
  outcome: Exclude<PredictOutcome<O>, { kind: 'expired' }>,
  finishedAt: number,
): { envelope: ScoreEnvelope; payload: string } {
  const failed = (code: string, message: string) => {
    const envelope: ScoreEnvelope = { ...base, finishedAt, ok: false, error: { code, message } };
    return { envelope, payload: encodeEnvelope(envelope) };
  };
  if (outcome.kind === 'error') return failed(outcome.error.code, outcome.error.message);
  const envelope: ScoreEnvelope = { ...base, finishedAt, ok: true, output: outcome.output as Json };
  try {
    return { envelope, payload: encodeEnvelope(envelope) };
  } catch (error) {
    const why =
      error instanceof InvalidEnvelopeError || error instanceof Error
        ? error.message
        : String(error);
    return failed(
      'OUTPUT_NOT_SERIALIZABLE',
      `predict returned an output JSON cannot carry (${why}): ${FIX}`,
    );
  }
}
