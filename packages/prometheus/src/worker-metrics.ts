import type {
  Instrumentation,
  ModelIdentity,
  ModelWorkerStats,
  PredictionHooks,
  PredictionStart,
} from '@rendezvous-ml/core';
import type { Histogram } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { MetricFactory } from './metric-factory.js';
import { StatsSources } from './stats-sources.js';

/**
 * What the metrics read of a model worker (a `ModelWorker` of any input and output types).
 *
 * @example
 * ```ts
 * const observed: ObservedWorker = new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict });
 * ```
 */
export interface ObservedWorker {
  readonly model: ModelIdentity;
  readonly events$: Observable<unknown>;
  stats(): ModelWorkerStats;
}

/** `rendezvous_worker_requests_total{outcome}` → the stat that counts it. */
const OUTCOMES = [
  ['scored', 'scored'],
  ['skipped_expired', 'skippedExpired'],
  ['expired_predicting', 'expiredPredictions'],
  ['expired_unsent', 'expiredUnsent'],
  ['dead_lettered', 'deadLettered'],
  ['reply_failed', 'replyFailures'],
] as const satisfies readonly (readonly [string, keyof ModelWorkerStats])[];

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
  private readonly queue: Histogram<string>;
  private readonly predict: Histogram<string>;
  /** Per model version: its queue-time child, and its predict-time children by outcome. */
  private readonly children = new Map<
    string,
    { queue: Histogram.Internal<string>; predict: Map<string, Histogram.Internal<string>> }
  >();

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
    for (const [name, stat] of simple)
      make.counter(name, function () {
        this.reset();
        for (const { labels, stats } of sources.sums([stat], true)) this.inc(labels, stats[stat]);
      });
    make.gauge('rendezvous_worker_active_predictions', function () {
      this.reset();
      for (const { labels, stats } of sources.sums(['active'], false))
        this.set(labels, stats.active);
    });
    make.gauge('rendezvous_worker_instances', function () {
      this.reset();
      for (const { labels, stats } of sources.count()) this.set(labels, stats);
    });
    this.queue = make.histogram('rendezvous_worker_queue_duration_seconds', buckets);
    this.predict = make.histogram('rendezvous_worker_predict_duration_seconds', buckets);
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
    let done = false;
    let subscription: Subscription | undefined;
    const end = () => {
      if (done) return;
      done = true;
      retire();
      subscription?.unsubscribe();
    };
    subscription = worker.events$.subscribe({ complete: end, error: end });
    if (done) subscription.unsubscribe();
    return end;
  }

  private prediction(start: PredictionStart): PredictionHooks {
    const child = this.child(start.model);
    child.queue.observe(Math.max(0, start.startedAt - start.receivedAt) / 1000);
    return {
      finished: (end) => {
        let predict = child.predict.get(end.outcome);
        if (!predict) {
          const { name, version } = start.model;
          predict = this.predict.labels({ model: name, version, outcome: end.outcome });
          child.predict.set(end.outcome, predict);
        }
        predict.observe(Math.max(0, end.finishedAt - start.startedAt) / 1000);
      },
    };
  }

  private child(model: ModelIdentity) {
    const key = `${model.name}@${model.version}`;
    let child = this.children.get(key);
    if (!child) {
      child = {
        queue: this.queue.labels({ model: model.name, version: model.version }),
        predict: new Map(),
      };
      this.children.set(key, child);
    }
    return child;
  }
}
