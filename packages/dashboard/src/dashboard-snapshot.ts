import type { ArchiverStats, RendezvousStats } from '@rendezvous-ml/core';
import type { RolloutEvent } from '@rendezvous-ml/rollout';
import type { FeatureShift, ModelFigures, ScorecardAlarm } from '@rendezvous-ml/scorecard';

/**
 * One point of the dashboard's time series, taken every interval. Rates are per second over
 * the interval; figures a source could not give (no scorecard, no reference yet, `NaN`) are
 * `null`.
 *
 * @example
 * ```ts
 * const rps = snapshot.history.map((p) => p.requestsPerSecond);
 * ```
 */
export interface DashboardPoint {
  /** Clock time, ms. */
  readonly t: number;
  /** Requests settled per second: answered, failed and refused as overloaded. */
  readonly requestsPerSecond: number;
  /** Per second. `failed` includes `deadlineExceeded`. */
  readonly outcomes: {
    readonly answered: number;
    readonly failed: number;
    readonly deadlineExceeded: number;
    readonly overloaded: number;
  };
  /** Answers per second by the model chosen (`name@version`). */
  readonly answers: Readonly<Record<string, number>>;
  /** Latency percentiles (ms) by model, over the scorecard window. */
  readonly latency: Readonly<
    Record<string, { readonly p50: number; readonly p95: number; readonly p99: number }>
  >;
  /** Agreement with the reference by model, with its 95% Wilson interval. */
  readonly agreement: Readonly<
    Record<string, { readonly rate: number | null; readonly low: number; readonly high: number }>
  >;
  /** Output PSI by model. */
  readonly outputShift: Readonly<Record<string, number | null>>;
  /** Input PSI by feature. */
  readonly inputShift: Readonly<Record<string, number | null>>;
  /** By archiver: records archived per second, lag, dead letters so far. */
  readonly archivers: Readonly<
    Record<
      string,
      { readonly throughput: number; readonly lag: number; readonly deadLettered: number }
    >
  >;
}

/**
 * An archiver's figures now.
 *
 * @example
 * ```ts
 * const dead = snapshot.archivers.reduce((n, a) => n + a.stats.deadLettered, 0);
 * ```
 */
export interface DashboardArchiverFigures {
  readonly name: string;
  readonly stats: ArchiverStats;
  /** Records archived per second over the last interval. */
  readonly throughput: number;
  /** `lag()` when the archiver gives one, else `stats.pending`. */
  readonly lag: number;
  readonly lagSource: 'lag' | 'pending';
}

/**
 * Everything the page shows. The event stream sends it whole (with `history`) when a browser
 * connects, then once per interval without `history` and with the new point as `point`: the
 * page keeps the history itself.
 *
 * @example
 * ```ts
 * dashboard.collector.snapshot$.subscribe((s) => console.log(s.seq, s.history.at(-1)?.requestsPerSecond));
 * ```
 */
export interface DashboardSnapshot {
  /** Increments with every snapshot. */
  readonly seq: number;
  readonly at: number;
  readonly intervalMs: number;
  /** The most points `history` holds. */
  readonly historyPoints: number;
  readonly frontEnd: {
    readonly instanceId: string | undefined;
    readonly policy: { readonly name: string; readonly version: number | undefined };
    /** `name@version` of each live model (empty without a registry). */
    readonly liveModels: readonly string[];
    readonly stats: RendezvousStats;
  };
  /** The scorecard window shown, or `null` without a scorecard (or before its first snapshot). */
  readonly scorecard: {
    /** When the scorecard took the snapshot shown. */
    readonly at: number;
    readonly window: string;
    readonly reference: string | undefined;
    readonly shiftReference: { readonly ready: boolean; readonly results: number };
    readonly results: number;
    readonly models: readonly ModelFigures[];
    readonly inputShift: readonly FeatureShift[];
  } | null;
  readonly alarms: {
    /** Alarms firing now, with the evidence of the evaluation that fired them. */
    readonly firing: readonly ScorecardAlarm[];
    /** The last changes (firing and cleared), newest last. */
    readonly recent: readonly ScorecardAlarm[];
  };
  readonly archivers: readonly DashboardArchiverFigures[];
  /** The rollout's last event, or `null` without a rollout (or before its first event). */
  readonly rollout: RolloutEvent | null;
  /** Sources that failed to answer at this snapshot (their panels keep the last figures). */
  readonly problems: readonly string[];
  /** The time series, oldest first, at most `historyPoints` long. */
  readonly history: readonly DashboardPoint[];
}
