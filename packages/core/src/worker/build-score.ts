import { InvalidEnvelopeError } from '../errors.js';
import type { OutgoingMessage } from '../transport.js';
import { encodeEnvelope, sealEnvelope } from '../wire/encode-envelope.js';
import type { Json } from '../wire/json.js';
import type { ScoreEnvelope } from '../wire/score.js';
import { envelopeMessage } from '../wire/sealed.js';
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
 * Builds the score of a finished prediction and its message, encoded with the one strict wire
 * encoder ({@link encodeEnvelope}, which checks values with `assertWireJson`), or with
 * `envelopes` sealed with the same checks ({@link sealEnvelope}). An output JSON cannot
 * carry unchanged (`undefined`, `NaN`, a `BigInt`, a cycle, a `Date`...) becomes an
 * `OUTPUT_NOT_SERIALIZABLE` error score that says what `predict` returned and where, so the
 * front end can fall back at once instead of discarding a score it cannot read and waiting for
 * the deadline.
 *
 * @example
 * ```ts
 * const { envelope, message } = buildScore(base, { kind: 'output', output: Number.NaN }, clock.now());
 * // envelope.ok === false, envelope.error.code === 'OUTPUT_NOT_SERIALIZABLE'
 * ```
 */
export function buildScore<O>(
  base: ScoreBase,
  outcome: Exclude<PredictOutcome<O>, { kind: 'expired' }>,
  finishedAt: number,
  envelopes = false,
): { envelope: ScoreEnvelope; message: OutgoingMessage } {
  const key = base.requestId;
  const wire = (
    envelope: ScoreEnvelope,
  ): { envelope: ScoreEnvelope; message: OutgoingMessage } => ({
    envelope,
    message: envelopes
      ? envelopeMessage(key, sealEnvelope(envelope))
      : { key, payload: encodeEnvelope(envelope) },
  });
  const failed = (code: string, message: string) =>
    wire({ ...base, finishedAt, ok: false, error: { code, message } });
  if (outcome.kind === 'error') return failed(outcome.error.code, outcome.error.message);
  try {
    return wire({ ...base, finishedAt, ok: true, output: outcome.output as Json });
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
