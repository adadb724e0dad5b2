import type { ProportionInterval } from './wilson-interval.js';

/**
 * Latency percentiles of one model in one window, in ms, from an HDR histogram (3 significant
 * digits: each figure is within 0.1% of the exact order statistic).
 */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * How often a model's output agreed with the reference model's, over the requests both scored
 * successfully (late scores included), with its 95% Wilson interval.
 */
export interface AgreementFigure {
  /** The reference model, `name@version`. */
  readonly reference: string;
  readonly compared: number;
  readonly agreed: number;
  /** `agreed / compared` (`NaN` when nothing was compared). */
  readonly rate: number;
  readonly interval: ProportionInterval;
}

/**
 * The PSI of a distribution in a window against the reference window.
 */
export interface ShiftFigure {
  readonly psi: number;
  /** Values counted in this window. */
  readonly samples: number;
}

/**
 * One model version's figures in one window. Rates are over `candidates` (the requests the
 * model was live for at the decision).
 *
 * @example
 * ```ts
 * const m = snapshot.windows[0]!.models.find((x) => x.model === 'dt@2');
 * console.log(m?.chosen, m?.timeoutRate, m?.latencyMs?.p99, m?.agreement?.rate);
 * ```
 */
export interface ModelFigures {
  /** `name@version`. */
  readonly model: string;
  /** Requests where the model was a candidate (scored, failed or pending at the decision). */
  readonly candidates: number;
  /** Requests answered with its score. */
  readonly chosen: number;
  /** Successful scores before the decision. */
  readonly ok: number;
  readonly errors: number;
  /** Never scored: pending at the decision, and no late score before the mailbox closed. */
  readonly timeouts: number;
  /** Scores that arrived after the decision. */
  readonly late: number;
  readonly errorRate: number;
  readonly timeoutRate: number;
  /** Latency of its scores (ok and error, late ones included); `null` without any. */
  readonly latencyMs: LatencySummary | null;
  /** `null` for the reference model itself, or when there is no reference yet. */
  readonly agreement: AgreementFigure | null;
  /** `null` until the shift reference is ready, or when the model is not in it. */
  readonly outputShift: ShiftFigure | null;
}

/**
 * The input shift of one feature in one window.
 *
 * @example
 * ```ts
 * const moved = window.inputShift.filter((f) => f.psi > 0.25).map((f) => f.feature);
 * ```
 */
export interface FeatureShift extends ShiftFigure {
  readonly feature: string;
}

/**
 * Every figure of one window.
 *
 * @example
 * ```ts
 * const last = snapshot.windows.find((w) => w.window === '1m');
 * ```
 */
export interface WindowFigures {
  /** The window's name, such as `1m`, `10m` or `all`. */
  readonly window: string;
  /** Its length, or `null` for since start. */
  readonly durationMs: number | null;
  /** The clock time the window starts at (bucket aligned) and ends at. */
  readonly from: number;
  readonly to: number;
  readonly results: number;
  readonly answered: number;
  readonly failed: number;
  /** Front-end latency of the results (request accepted to decided). */
  readonly latencyMs: LatencySummary | null;
  readonly models: readonly ModelFigures[];
  readonly inputShift: readonly FeatureShift[];
}

/**
 * What a scorecard knows at one moment, for every window.
 *
 * @example
 * ```ts
 * scorecard.scorecard$.subscribe((s) => console.log(s.at, s.reference, s.windows.length));
 * ```
 */
export interface ScorecardSnapshot {
  readonly at: number;
  /** The agreement reference (`name@version`), or `undefined` while nothing was chosen. */
  readonly reference: string | undefined;
  /** Whether the shift reference window is complete, and how many results it holds. */
  readonly shiftReference: { readonly ready: boolean; readonly results: number };
  readonly windows: readonly WindowFigures[];
}
