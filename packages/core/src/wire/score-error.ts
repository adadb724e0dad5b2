/**
 * A failed prediction, as carried by a score.
 *
 * @example
 * ```ts
 * const e: ScoreError = { code: 'PREDICT_TIMEOUT', message: 'predict took longer than 50 ms' };
 * ```
 */
export interface ScoreError {
  readonly code: string;
  readonly message: string;
}
