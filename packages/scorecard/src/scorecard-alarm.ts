import type { ProportionInterval } from './wilson-interval.js';

/**
 * What an alarm is about.
 */
export type AlarmKind =
  | 'agreement'
  | 'output-shift'
  | 'input-shift'
  | 'error-rate'
  | 'timeout-rate';

/**
 * A change of an alarm's state, with its evidence. An alarm `fires` when its condition becomes
 * true on at least `minSamples` samples, and is `cleared` when it becomes false (again on at
 * least `minSamples`); in between it is not repeated.
 *
 * @example
 * ```ts
 * scorecard.alarm$.subscribe((a) => {
 *   if (a.state === 'firing') console.warn(`${a.kind} ${a.model ?? a.feature} in ${a.window}: ${a.value} vs ${a.threshold} (n=${a.sampleSize})`);
 * });
 * ```
 */
export interface ScorecardAlarm {
  readonly kind: AlarmKind;
  readonly state: 'firing' | 'cleared';
  /** Clock time of the evaluation that changed the state. */
  readonly at: number;
  readonly window: string;
  /** The model (`name@version`), for every kind but `input-shift`. */
  readonly model?: string;
  /** The feature that moved, for `input-shift`. */
  readonly feature?: string;
  /** The agreement reference, for `agreement`. */
  readonly reference?: string;
  /** Samples the value was computed on. */
  readonly sampleSize: number;
  readonly value: number;
  readonly threshold: number;
  /** The 95% Wilson interval of an agreement rate. */
  readonly interval?: ProportionInterval;
}
