import { type Clock, type Instrumentation, systemClock } from '@rendezvous-ml/core';
import type { Registry } from 'prom-client';
import { ArchiverMetrics, type ObservedArchiver } from './archiver-metrics.js';
import { FrontEndMetrics, type ObservedFrontEnd } from './front-end-metrics.js';
import { MetricFactory } from './metric-factory.js';
import { ModelLabels } from './model-labels.js';
import { type ObservedScorecard, ScorecardMetrics } from './scorecard-metrics.js';
import { type ObservedWorker, WorkerMetrics } from './worker-metrics.js';

/**
 * Latency buckets (seconds) of every histogram by default: 1 ms to 10 s, for deadlines of
 * tens of milliseconds to a few seconds.
 *
 * @example
 * ```ts
 * const metrics = new RendezvousMetrics({ registry, buckets: [0.0005, ...DEFAULT_BUCKETS] });
 * ```
 */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * Options of {@link RendezvousMetrics}.
 *
 * @example
 * ```ts
 * const options: RendezvousMetricsOptions = { registry: new Registry(), buckets: [0.005, 0.05, 0.5], maxModels: 20 };
 * ```
 */
export interface RendezvousMetricsOptions {
  /** The prom-client registry the metrics are registered on (its own, or `register`). */
  readonly registry: Registry;
  /** Histogram buckets, in seconds. Default {@link DEFAULT_BUCKETS}. */
  readonly buckets?: readonly number[];
  /**
   * Most model versions with series of their own in metrics fed by scores (answers, scores,
   * scorecard figures); past it, `model="other",version="other"`. Default 100.
   */
  readonly maxModels?: number;
  /** The clock of `rendezvous_archiver_last_flush_timestamp_seconds`. Default `systemClock`. */
  readonly clock?: Clock;
}

/**
 * The standard Prometheus metrics of a Rendezvous deployment, registered once on a prom-client
 * registry: call `observe*` for each component this process runs, and give
 * {@link RendezvousMetrics.instrumentation} to each `ModelWorker`. Counters read from
 * `stats()` are set at scrape time, so they are exact; they never go back, even when a
 * component is stopped and replaced. Every metric is listed in {@link METRICS} and the README.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * const metrics = new RendezvousMetrics({ registry });
 * const worker = new ModelWorker({ transport, model, predict, instrumentation: metrics.instrumentation });
 * metrics.observeWorker(worker);
 * metrics.observeFrontEnd(rendezvous);
 * metrics.observeArchiver(decoy, 'decoy');
 * metrics.observeScorecard(scorecard);
 * const text = await registry.metrics(); // GET /metrics
 * ```
 */
export class RendezvousMetrics {
  readonly registry: Registry;
  private readonly frontEnds: FrontEndMetrics;
  private readonly workers: WorkerMetrics;
  private readonly archivers: ArchiverMetrics;
  private readonly scorecards: ScorecardMetrics;

  /**
   * The instrumentation seam's hooks for model workers (`ModelWorkerOptions.instrumentation`):
   * queue time and predict duration by outcome. It has no front-end hooks, so giving it to a
   * `Rendezvous` costs nothing.
   */
  readonly instrumentation: Instrumentation;

  constructor(options: RendezvousMetricsOptions) {
    this.registry = options.registry;
    const buckets = options.buckets ?? DEFAULT_BUCKETS;
    const make = new MetricFactory(this.registry);
    const models = new ModelLabels(options.maxModels ?? 100);
    this.frontEnds = new FrontEndMetrics(make, models, buckets);
    this.workers = new WorkerMetrics(make, buckets);
    this.archivers = new ArchiverMetrics(make, options.clock ?? systemClock);
    this.scorecards = new ScorecardMetrics(make, models);
    this.instrumentation = this.workers.instrumentation;
  }

  /**
   * Observes a front end (a `Rendezvous`) until it closes. Several front ends in one process
   * add up. Returns a function that stops observing it (its counters keep their values).
   *
   * @example
   * ```ts
   * const stop = metrics.observeFrontEnd(rendezvous);
   * ```
   */
  observeFrontEnd(frontEnd: ObservedFrontEnd): () => void {
    return this.frontEnds.observe(frontEnd);
  }

  /**
   * Observes a `ModelWorker` until it stops, labelled by its model name and version (never by
   * instance: instances come and go). Returns a function that stops observing it.
   *
   * @example
   * ```ts
   * metrics.observeWorker(worker);
   * ```
   */
  observeWorker(worker: ObservedWorker): () => void {
    return this.workers.observe(worker);
  }

  /**
   * Observes an `Archiver` or a `Decoy` until it stops, labelled `archiver="<name>"` (a
   * bounded name you choose, such as `decoy`, `scores`, `results`). Returns a function that
   * stops observing it.
   *
   * @example
   * ```ts
   * metrics.observeArchiver(scoreArchiver, 'scores');
   * ```
   */
  observeArchiver(archiver: ObservedArchiver, name: string): () => void {
    return this.archivers.observe(archiver, name);
  }

  /**
   * Observes a `Scorecard` (of `@rendezvous-ml/scorecard`) until it stops: its latest
   * snapshot's figures, its alarms and its results-stream counters. One at a time: observing
   * another ends the first. Returns a function that stops observing it.
   *
   * @example
   * ```ts
   * metrics.observeScorecard(scorecard);
   * ```
   */
  observeScorecard(scorecard: ObservedScorecard): () => void {
    return this.scorecards.observe(scorecard);
  }
}
