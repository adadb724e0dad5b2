import type {
  ResultsStreamStats,
  ScorecardAlarm,
  ScorecardSnapshot,
} from '@rendezvous-ml/scorecard';
import type { Counter, Gauge } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { MetricName } from './metric-catalogue.js';
import type { MetricFactory } from './metric-factory.js';
import type { ModelLabels } from './model-labels.js';
import type { Labels } from './stats-sources.js';
import { StatsSources } from './stats-sources.js';

/**
 * What the metrics read of a scorecard (a `Scorecard` of `@rendezvous-ml/scorecard`).
 *
 * @example
 * ```ts
 * const observed: ObservedScorecard = new Scorecard({ results$: rendezvous.results$ });
 * ```
 */
export interface ObservedScorecard {
  readonly scorecard$: Observable<ScorecardSnapshot>;
  readonly alarm$: Observable<ScorecardAlarm>;
  streamStats(): ResultsStreamStats;
}

/** `rendezvous_scorecard_stream_results_total{outcome}` → the stat that counts it. */
const STREAM_OUTCOMES = [
  ['read', 'read'],
  ['duplicate', 'duplicates'],
  ['dead_lettered', 'deadLettered'],
  ['dropped', 'dropped'],
  ['failed', 'failed'],
] as const satisfies readonly (readonly [string, keyof ResultsStreamStats])[];

type Figure = (labels: Labels, value: number | null | undefined) => void;
type WindowGauge = readonly [
  MetricName,
  (w: ScorecardSnapshot['windows'][number], set: Figure) => void,
];

/**
 * The scorecard metrics: gauges of the latest snapshot the scorecard emitted on `scorecard$`
 * (every `snapshotIntervalMs`, and on each `snapshot()` call; scraping never takes one, so it
 * never evaluates alarms), alarm counts and states from `alarm$`, and the results-stream
 * counters from `streamStats()`. One scorecard at a time: observing another ends the first.
 *
 * @example
 * ```ts
 * const scorecards = new ScorecardMetrics(new MetricFactory(registry), new ModelLabels(100));
 * scorecards.observe(scorecard);
 * ```
 */
export class ScorecardMetrics {
  private readonly sources = new StatsSources<ResultsStreamStats>();
  private latest: ScorecardSnapshot | undefined;
  private readonly alarms: Counter<string>;
  private readonly firing: Gauge<string>;
  private current: (() => void) | undefined;

  constructor(
    make: MetricFactory,
    private readonly models: ModelLabels,
  ) {
    const model = (key: string) => this.models.ofKey(key);
    const gauges: readonly WindowGauge[] = [
      [
        'rendezvous_scorecard_agreement_ratio',
        (w, set) => {
          for (const m of w.models) set(model(m.model), m.agreement?.rate);
        },
      ],
      [
        'rendezvous_scorecard_agreement_lower_bound_ratio',
        (w, set) => {
          for (const m of w.models) set(model(m.model), m.agreement?.interval.low);
        },
      ],
      [
        'rendezvous_scorecard_agreement_upper_bound_ratio',
        (w, set) => {
          for (const m of w.models) set(model(m.model), m.agreement?.interval.high);
        },
      ],
      [
        'rendezvous_scorecard_error_ratio',
        (w, set) => {
          for (const m of w.models) set(model(m.model), m.candidates > 0 ? m.errorRate : null);
        },
      ],
      [
        'rendezvous_scorecard_timeout_ratio',
        (w, set) => {
          for (const m of w.models) set(model(m.model), m.candidates > 0 ? m.timeoutRate : null);
        },
      ],
      [
        'rendezvous_scorecard_output_shift_psi',
        (w, set) => {
          for (const m of w.models) set(model(m.model), m.outputShift?.psi);
        },
      ],
      [
        'rendezvous_scorecard_input_shift_psi',
        (w, set) => {
          for (const f of w.inputShift) set({ feature: f.feature }, f.psi);
        },
      ],
    ];
    const latest = () => this.latest;
    for (const [name, figures] of gauges)
      make.gauge(name, function () {
        this.reset();
        for (const w of latest()?.windows ?? [])
          figures(w, (labels, value) => {
            // No figure yet (nothing compared, no reference): no sample, rather than a NaN.
            if (typeof value === 'number' && Number.isFinite(value))
              this.set({ window: w.window, ...labels }, value);
          });
      });
    make.gauge('rendezvous_scorecard_shift_reference_ready', function () {
      this.reset();
      const s = latest();
      if (s) this.set(s.shiftReference.ready ? 1 : 0);
    });
    this.alarms = make.counter('rendezvous_scorecard_alarms_total');
    this.firing = make.gauge('rendezvous_scorecard_alarm_firing');
    const sources = this.sources;
    const fields = STREAM_OUTCOMES.map(([, stat]) => stat);
    make.counter('rendezvous_scorecard_stream_results_total', function () {
      this.reset();
      for (const { labels, stats } of sources.sums(fields, true))
        for (const [outcome, stat] of STREAM_OUTCOMES)
          this.inc({ ...labels, outcome }, stats[stat]);
    });
  }

  /**
   * Observes a scorecard until its `scorecard$` completes (on `stop()`), the returned function
   * is called, or another scorecard is observed. Its snapshot gauges and alarm states then go;
   * its counters stay and carry on with the next scorecard.
   */
  observe(scorecard: ObservedScorecard): () => void {
    this.current?.();
    const retire = this.sources.add({}, () => scorecard.streamStats());
    const subscriptions: Subscription[] = [];
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      retire();
      for (const s of subscriptions) s.unsubscribe();
      this.latest = undefined;
      this.firing.reset();
      if (this.current === end) this.current = undefined;
    };
    this.current = end;
    subscriptions.push(
      scorecard.alarm$.subscribe((alarm) => this.alarm(alarm)),
      scorecard.scorecard$.subscribe({
        next: (snapshot) => {
          this.latest = snapshot;
        },
        complete: end,
        error: end,
      }),
    );
    if (done) for (const s of subscriptions) s.unsubscribe();
    return end;
  }

  private alarm(alarm: ScorecardAlarm): void {
    this.alarms.inc({ kind: alarm.kind, state: alarm.state });
    const { model, version } = alarm.model
      ? this.models.ofKey(alarm.model)
      : { model: '', version: '' };
    this.firing.set(
      { kind: alarm.kind, window: alarm.window, model, version, feature: alarm.feature ?? '' },
      alarm.state === 'firing' ? 1 : 0,
    );
  }
}
