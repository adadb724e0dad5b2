import type { Clock, Json, RendezvousResult, StreamNames, Transport } from '@rendezvous-ml/core';
import type { Observable } from 'rxjs';
import type { ShiftReference } from './shift-reference.js';

/**
 * A sliding window: the last `durationMs`, or since start when `durationMs` is omitted.
 */
export interface ScorecardWindow {
  readonly name: string;
  readonly durationMs?: number;
}

/**
 * Alarm thresholds. A threshold set to `null` turns its alarm off.
 *
 * @example
 * ```ts
 * const alarms: ScorecardAlarmOptions = { minSamples: 200, agreementBelow: 0.95, inputPsiAbove: 0.2, errorRateAbove: null };
 * ```
 */
export interface ScorecardAlarmOptions {
  /** Samples a value needs before its alarm can fire or clear. Default 100. */
  readonly minSamples?: number;
  /** Agreement with the reference below this fires. Default 0.9. */
  readonly agreementBelow?: number | null;
  /** Output PSI above this fires. Default 0.25. */
  readonly outputPsiAbove?: number | null;
  /** Input PSI of any feature above this fires. Default 0.25. */
  readonly inputPsiAbove?: number | null;
  /** Error rate above this fires. Default 0.05. */
  readonly errorRateAbove?: number | null;
  /** Timeout rate (pending at the decision) above this fires. Default 0.05. */
  readonly timeoutRateAbove?: number | null;
  /** The windows alarms are evaluated on, by name. Default: every window. */
  readonly windows?: readonly string[];
}

/**
 * Reading the `results` stream through the scorecard's own consumer group, for front ends in
 * other processes (they need `publishResults: true`).
 */
export interface ResultsStreamSource {
  readonly transport: Transport;
  /** Stream names, as every component takes them: `results` and `deadLetter` are used. */
  readonly streams?: Partial<StreamNames>;
  /** @deprecated Use `streams: { results }`. */
  readonly stream?: string;
  /** Default `scorecard`. Two scorecards in one group share the results: give each its own. */
  readonly group?: string;
  readonly consumer?: string;
  /** @deprecated Use `streams: { deadLetter }`. */
  readonly deadLetterStream?: string;
  readonly prefetch?: number;
}

/**
 * Options of {@link Scorecard}. Give exactly one of `results$` and `resultsStream`, or neither
 * and feed it with `record()`.
 *
 * @example
 * ```ts
 * new Scorecard({ results$: rendezvous.results$, reference: 'dt@1', shiftReference: { results: 500 } });
 * ```
 */
export interface ScorecardOptions {
  /** Results of a front end in this process. */
  readonly results$?: Observable<RendezvousResult>;
  /** Results of front ends anywhere, from the results stream. */
  readonly resultsStream?: ResultsStreamSource;
  /** Default `systemClock`. */
  readonly clock?: Clock;
  /** Default: last 1 minute (`1m`), last 10 minutes (`10m`), since start (`all`). */
  readonly windows?: readonly ScorecardWindow[];
  /**
   * Granularity of the sliding windows: each is the sum of its last ⌈duration / bucketMs⌉
   * buckets, the current one included. Default: the shortest window / 12.
   */
  readonly bucketMs?: number;
  /** How often `scorecard$` emits (and alarms are evaluated). Default 10 s; 0 turns it off. */
  readonly snapshotIntervalMs?: number;
  /** The agreement reference: `name@version` or `name`. Default: the model chosen most. */
  readonly reference?: string;
  /** Whether two outputs agree. Must be symmetric. Default: deep equality. */
  readonly agree?: (a: Json, b: Json) => boolean;
  /**
   * The reference of output and input shift: the first `results` results (default 1000), or a
   * saved reference (`exportShiftReference()`).
   */
  readonly shiftReference?: { readonly results?: number } | { readonly saved: ShiftReference };
  /** Bins of numeric values (reference quantiles). Default 10. */
  readonly bins?: number;
  /** The features of an input. Default: the keys of an object, indexes of an array, else `input`. */
  readonly features?: (input: Json) => Readonly<Record<string, Json>>;
  /** The part of an output whose distribution is watched. Default: the whole output. */
  readonly outputValue?: (output: Json) => Json;
  readonly alarms?: ScorecardAlarmOptions;
}
