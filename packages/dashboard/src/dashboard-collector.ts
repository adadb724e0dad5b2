import {
  type Clock,
  modelKey,
  type RendezvousStats,
  systemClock,
  type Timer,
} from '@rendezvous-ml/core';
import type { RolloutEvent } from '@rendezvous-ml/rollout';
import type { ScorecardAlarm, ScorecardSnapshot } from '@rendezvous-ml/scorecard';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import type { DashboardOptions } from './dashboard-options.js';
import type {
  DashboardArchiverFigures,
  DashboardPoint,
  DashboardSnapshot,
} from './dashboard-snapshot.js';
import { RingBuffer } from './ring-buffer.js';
import { EMPTY_SCORECARD_POINT, scorecardPanel } from './scorecard-panel.js';

/** An alarm's identity: what it is about, in which window. */
function alarmKey(a: ScorecardAlarm): string {
  return `${a.kind}|${a.window}|${a.model ?? ''}|${a.feature ?? ''}`;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Takes a {@link DashboardSnapshot} every `intervalMs` on the given clock, from public APIs
 * only: the front end's `stats()`, `policy()`, `registry` and `results$` (answers by model),
 * the scorecard's `snapshot()` and `alarm$`, each archiver's `stats()`, and the rollout's
 * `events$`. Rates are the change of the counters over the time that really passed. Memory is
 * bounded: `historyPoints` points, `alarmHistory` alarm changes, one counter per model.
 * A source that throws is reported in `problems` and never stops the collection.
 *
 * @example
 * ```ts
 * const collector = new DashboardCollector({ rendezvous, scorecard, clock: new VirtualClock() });
 * collector.start();
 * collector.snapshot$.subscribe((s) => console.log(s.history.at(-1)?.requestsPerSecond));
 * ```
 */
export class DashboardCollector {
  readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly history: RingBuffer<DashboardPoint>;
  private readonly recentAlarms: RingBuffer<ScorecardAlarm>;
  private readonly firing = new Map<string, ScorecardAlarm>();
  private readonly chosen = new Map<string, number>();
  private readonly subject: BehaviorSubject<DashboardSnapshot>;
  private readonly subscriptions: Subscription[] = [];
  private state: 'new' | 'running' | 'stopped' = 'new';
  private timer: Timer | undefined;
  private seq = 0;
  private lastAt: number;
  private lastStats: RendezvousStats;
  private lastArchived = new Map<string, number>();
  private lastRollout: RolloutEvent | null = null;
  private lastScorecard: ScorecardSnapshot | undefined;

  constructor(private readonly options: DashboardOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    if (!(this.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    this.clock = options.clock ?? systemClock;
    this.history = new RingBuffer(options.historyPoints ?? 300);
    this.recentAlarms = new RingBuffer(options.alarmHistory ?? 50);
    this.lastAt = this.clock.now();
    this.lastStats = options.rendezvous.stats();
    for (const a of options.archivers ?? []) this.lastArchived.set(a.name, a.stats().archived);
    this.subject = new BehaviorSubject(this.build([], false));
  }

  /** Every snapshot: the latest at once on subscribe, then one per interval. Completes on `stop()`. */
  get snapshot$(): Observable<DashboardSnapshot> {
    return this.subject.asObservable();
  }

  /** The latest snapshot. */
  snapshot(): DashboardSnapshot {
    return this.subject.getValue();
  }

  /** Starts listening and taking snapshots. Idempotent; a stopped collector stays stopped. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const { rendezvous, scorecard, rollout } = this.options;
    this.subscriptions.push(
      rendezvous.results$.subscribe({
        next: (r) => {
          if (!r.chosen) return;
          const key = modelKey(r.chosen.model);
          this.chosen.set(key, (this.chosen.get(key) ?? 0) + 1);
        },
        error: () => {},
      }),
    );
    if (scorecard)
      this.subscriptions.push(
        scorecard.alarm$.subscribe({ next: (a) => this.onAlarm(a), error: () => {} }),
        scorecard.scorecard$.subscribe({
          next: (s) => {
            this.lastScorecard = s;
          },
          error: () => {},
        }),
      );
    if (rollout)
      this.subscriptions.push(
        rollout.events$.subscribe({
          next: (e) => {
            this.lastRollout = e;
          },
          error: () => {},
        }),
      );
    this.schedule();
  }

  /** Stops the timer and the subscriptions and completes `snapshot$`. Idempotent. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.timer?.cancel();
    this.timer = undefined;
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.subject.complete();
  }

  /** Whether a timer is scheduled (false once stopped). */
  get running(): boolean {
    return this.state === 'running';
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      if (this.state !== 'running') return;
      const problems: string[] = [];
      this.subject.next(this.build(problems, true));
      this.schedule();
    }, this.intervalMs);
  }

  private onAlarm(alarm: ScorecardAlarm): void {
    this.recentAlarms.push(alarm);
    if (alarm.state === 'firing') this.firing.set(alarmKey(alarm), alarm);
    else this.firing.delete(alarmKey(alarm));
  }

  /** Reads every source; with `record`, appends a point to the history. */
  private build(problems: string[], record: boolean): DashboardSnapshot {
    const { rendezvous, scorecard } = this.options;
    const at = this.clock.now();
    const seconds = Math.max(at - this.lastAt, 1) / 1000;
    const attempt = <T>(what: string, read: () => T, fallback: T): T => {
      try {
        return read();
      } catch (error) {
        problems.push(`${what}: ${message(error)}`);
        return fallback;
      }
    };
    const stats = attempt('front end stats()', () => rendezvous.stats(), this.lastStats);
    const policy = attempt('front end policy()', () => rendezvous.policy(), {
      name: 'unknown',
      version: undefined,
    });
    const liveModels = attempt(
      'registry',
      () => (rendezvous.registry?.live() ?? []).map(modelKey),
      [],
    );
    // Polling (opt-in) also evaluates the scorecard's alarms; by default only its own snapshots.
    const scorecardSnapshot =
      scorecard && this.options.pollScorecard && record
        ? attempt('scorecard snapshot()', () => scorecard.snapshot(), this.lastScorecard)
        : this.lastScorecard;
    const card = scorecardSnapshot
      ? attempt('scorecard figures', () => scorecardPanel(scorecardSnapshot, this.options.window), {
          panel: null,
          point: EMPTY_SCORECARD_POINT,
        })
      : { panel: null, point: EMPTY_SCORECARD_POINT };
    const archivers = (this.options.archivers ?? []).map((a): DashboardArchiverFigures => {
      const s = attempt(`archiver ${a.name} stats()`, () => a.stats(), undefined);
      const stats = s ?? {
        archived: 0,
        batches: 0,
        failedBatches: 0,
        released: 0,
        deadLettered: 0,
        pending: 0,
      };
      const before = this.lastArchived.get(a.name) ?? stats.archived;
      const lag = a.lag
        ? attempt(`archiver ${a.name} lag()`, () => a.lag?.(), undefined)
        : undefined;
      if (record && s) this.lastArchived.set(a.name, stats.archived);
      return {
        name: a.name,
        stats,
        throughput: Math.max(0, stats.archived - before) / seconds,
        lag: lag ?? stats.pending,
        lagSource: lag === undefined ? 'pending' : 'lag',
      };
    });
    if (record) {
      const d = (k: keyof RendezvousStats) => Math.max(0, stats[k] - this.lastStats[k]) / seconds;
      const answers: Record<string, number> = {};
      // A model seen once stays at 0 rather than disappearing from the chart.
      for (const [model, n] of this.chosen) {
        answers[model] = n / seconds;
        this.chosen.set(model, 0);
      }
      this.history.push({
        t: at,
        requestsPerSecond: d('answered') + d('failed') + d('overloaded'),
        outcomes: {
          answered: d('answered'),
          failed: d('failed'),
          deadlineExceeded: d('deadlineExceeded'),
          overloaded: d('overloaded'),
        },
        answers,
        ...card.point,
        archivers: Object.fromEntries(
          archivers.map((a) => [
            a.name,
            { throughput: a.throughput, lag: a.lag, deadLettered: a.stats.deadLettered },
          ]),
        ),
      });
      this.lastStats = stats;
      this.lastAt = at;
    }
    return {
      seq: record ? ++this.seq : this.seq,
      at,
      intervalMs: this.intervalMs,
      historyPoints: this.history.capacity,
      frontEnd: { instanceId: rendezvous.instanceId, policy, liveModels, stats },
      scorecard: card.panel,
      alarms: { firing: [...this.firing.values()], recent: this.recentAlarms.toArray() },
      archivers,
      rollout: this.lastRollout,
      problems,
      history: this.history.toArray(),
    };
  }
}
