import type {
  Instrumentation,
  ModelIdentity,
  ModelWorkerStats,
  PredictionEnd,
  PredictionHooks,
  PredictionStart,
} from '@rendezvous-ml/core';
import { type HistogramSeries, HotHistogram } from './hot-histogram.js';
import type { MetricFactory } from './metric-factory.js';
import {
  type ObservedStats,
  observeUntilDone,
  StatsSources,
  type StatTable,
} from './stats-sources.js';

/**
 * What the metrics read of a model worker (a `ModelWorker` of any input and output types).
 *
 * @example
 * ```ts
 * const observed: ObservedWorker = new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict });
 * ```
 */
export interface ObservedWorker extends ObservedStats<ModelWorkerStats, unknown> {
  readonly model: ModelIdentity;
}

/** `rendezvous_worker_requests_total{outcome}` → the stat that counts it. */
const OUTCOMES = [
  ['scored', 'scored'],
  ['skipped_expired', 'skippedExpired'],
  ['expired_predicting', 'expiredPredictions'],
  ['expired_unsent', 'expiredUnsent'],
  ['dead_lettered', 'deadLettered'],
  ['reply_failed', 'replyFailures'],
] as const satisfies StatTable<ModelWorkerStats>;

/**
 * The worker metrics: counters and gauges read from each worker's `stats()` at scrape time,
 * and queue and predict durations from the instrumentation seam (given to each worker as its
 * `instrumentation` option), which alone knows when a prediction started.
 *
 * @example
 * ```ts
 * const workers = new WorkerMetrics(new MetricFactory(registry), buckets);
 * new ModelWorker({ ...options, instrumentation: workers.instrumentation });
 * workers.observe(worker);
 * ```
 */
export class WorkerMetrics {
  private readonly sources = new StatsSources<ModelWorkerStats>();
  private readonly queue: HotHistogram;
  private readonly predict: HotHistogram;
  private readonly slots = new Map<string, Map<string, WorkerSlot>>();
  private readonly byIdentity = new WeakMap<ModelIdentity, WorkerSlot>();

  /** The seam's hooks: give it to each worker as `instrumentation`. */
  readonly instrumentation: Instrumentation;

  constructor(make: MetricFactory, buckets: readonly number[]) {
    const sources = this.sources;
    const fields = OUTCOMES.map(([, stat]) => stat);
    make.counter('rendezvous_worker_requests_total', function () {
      this.reset();
      for (const { labels, stats } of sources.sums(fields, true))
        for (const [outcome, stat] of OUTCOMES) this.inc({ ...labels, outcome }, stats[stat]);
    });
    const simple = [
      ['rendezvous_worker_prediction_errors_total', 'failedPredictions'],
      ['rendezvous_worker_consumer_losses_total', 'consumerLosses'],
    ] as const;
    sources.counters(make, simple);
    sources.gauges(make, [['rendezvous_worker_active_predictions', 'active']]);
    make.gauge('rendezvous_worker_instances', function () {
      this.reset();
      for (const { labels, stats } of sources.count()) this.set(labels, stats);
    });
    this.queue = new HotHistogram(make, 'rendezvous_worker_queue_duration_seconds', buckets);
    this.predict = new HotHistogram(make, 'rendezvous_worker_predict_duration_seconds', buckets);
    this.instrumentation = { prediction: (start) => this.prediction(start) };
  }

  /**
   * Observes a worker until its `events$` completes (on `stop()`) or the returned function is
   * called; its counters then stay at their last values and carry on with the next worker of
   * the same model version.
   */
  observe(worker: ObservedWorker): () => void {
    const { name, version } = worker.model;
    const retire = this.sources.add({ model: name, version }, () => worker.stats());
    return observeUntilDone(worker.events$, retire);
  }

  // On every prediction: its version's series are found by the worker's model identity (one
  // lookup), and the hooks are one small object with a method (no closure).
  private prediction(start: PredictionStart): PredictionHooks {
    const slot = this.byIdentity.get(start.model) ?? this.identitySlot(start.model);
    this.queue.observe(slot.queue, wait(start.receivedAt, start.startedAt));
    return new PredictionTimer(this.predict, slot, start.startedAt);
  }

  /** A worker's `model` is the same object on every prediction: remember its slot by it. */
  private identitySlot(model: ModelIdentity): WorkerSlot {
    const slot = this.slot(model);
    this.byIdentity.set(model, slot);
    return slot;
  }

  private slot(model: ModelIdentity): WorkerSlot {
    let versions = this.slots.get(model.name);
    if (!versions) {
      versions = new Map();
      this.slots.set(model.name, versions);
    }
    let slot = versions.get(model.version);
    if (!slot) {
      const { name, version } = model;
      const key = `${name}\u0000${version}`;
      const byOutcome = new Map<string, HistogramSeries>();
      slot = {
        queue: this.queue.series(key, { model: name, version }),
        predict: (outcome) => {
          let series = byOutcome.get(outcome);
          if (!series) {
            series = this.predict.series(`${key}\u0000${outcome}`, {
              model: name,
              version,
              outcome,
            });
            byOutcome.set(outcome, series);
          }
          return series;
        },
      };
      versions.set(version, slot);
    }
    return slot;
  }
}

/** The seam's series of one model version. */
interface WorkerSlot {
  readonly queue: HistogramSeries;
  predict(outcome: string): HistogramSeries;
}

/** The hooks of one prediction: its predict duration, by outcome, when it finishes. */
class PredictionTimer implements PredictionHooks {
  constructor(
    private readonly predict: HotHistogram,
    private readonly slot: WorkerSlot,
    private readonly startedAt: number,
  ) {}

  finished(end: PredictionEnd): void {
    this.predict.observe(this.slot.predict(end.outcome), wait(this.startedAt, end.finishedAt));
  }
}

/** Seconds from `from` to `to` (clock ms), never negative. */
const wait = (from: number, to: number): number => Math.max(0, to - from) / 1000;
