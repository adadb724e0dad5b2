import type {
  ArchiverStats,
  Clock,
  ModelRef,
  RendezvousResult,
  RendezvousStats,
} from '@rendezvous-ml/core';
import type { RolloutEvent } from '@rendezvous-ml/rollout';
import type { ScorecardAlarm, ScorecardSnapshot } from '@rendezvous-ml/scorecard';
import type { Observable } from 'rxjs';

/**
 * What the dashboard reads from a front end: a `Rendezvous` is one (its `results$`, `stats()`,
 * `policy()`, `registry` and `instanceId`).
 */
export interface DashboardFrontEnd {
  readonly instanceId?: string;
  readonly results$: Observable<RendezvousResult<unknown, unknown>>;
  stats(): RendezvousStats;
  policy(): { readonly name: string; readonly version: number | undefined };
  /** The live models, shown with the policy. */
  readonly registry?: { live(): readonly ModelRef[] };
}

/**
 * An archiver (or a decoy) shown on the dashboard. `lag` is how many records it is behind,
 * when the caller can tell (a broker's consumer lag); without it the dashboard shows the
 * records it holds and has not acknowledged yet (`stats().pending`).
 */
export interface DashboardArchiver {
  readonly name: string;
  stats(): ArchiverStats;
  lag?(): number;
}

/**
 * What the dashboard reads from a scorecard: a `Scorecard` of `@rendezvous-ml/scorecard` is one.
 * By default the dashboard shows the latest snapshot of `scorecard$` (taken at the scorecard's
 * own `snapshotIntervalMs`) and never calls `snapshot()` itself, so attaching a dashboard does
 * not change when alarms are evaluated; with `pollScorecard: true` it calls `snapshot()` every
 * interval. It keeps the alarms of `alarm$`.
 */
export interface DashboardScorecard {
  snapshot(): ScorecardSnapshot;
  readonly scorecard$: Observable<ScorecardSnapshot>;
  readonly alarm$: Observable<ScorecardAlarm>;
}

/**
 * What the dashboard reads from a rollout: a `Rollout` of `@rendezvous-ml/rollout` is one.
 */
export interface DashboardRollout {
  readonly events$: Observable<RolloutEvent>;
}

/**
 * Options of {@link createDashboard} and {@link DashboardCollector}.
 *
 * @example
 * ```ts
 * const options: DashboardOptions = { rendezvous, scorecard, archivers: [{ name: 'results', stats: () => archiver.stats() }] };
 * ```
 */
export interface DashboardOptions {
  readonly rendezvous: DashboardFrontEnd;
  readonly scorecard?: DashboardScorecard;
  readonly archivers?: readonly DashboardArchiver[];
  readonly rollout?: DashboardRollout;
  /** How often a snapshot is taken and pushed. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Points of history kept for the charts (a ring buffer). Default 300 (5 min at 1 s). */
  readonly historyPoints?: number;
  /** Alarm changes kept, newest last. Default 50. */
  readonly alarmHistory?: number;
  /**
   * Call `scorecard.snapshot()` every interval, so the scorecard panels move every second. It
   * also evaluates the scorecard's alarms that often. Default `false`: the panels show the
   * scorecard's own snapshots (`scorecard$`), and the dashboard changes nothing.
   */
  readonly pollScorecard?: boolean;
  /** The scorecard window the panels show, by name. Default: the scorecard's first (`1m`). */
  readonly window?: string;
  /** Browsers connected to the event stream at once; more get a 503. Default 100. */
  readonly maxClients?: number;
  /** Default `systemClock`. */
  readonly clock?: Clock;
}
