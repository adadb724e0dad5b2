import type { ModelRegistry, RendezvousStats } from '@rendezvous-ml/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Counters a component reports through `stats()`: each number becomes one labelled sample. */
type Stats = Readonly<Record<string, number>>;

/**
 * The example's Prometheus metrics, on a registry of its own (so several servers can live in
 * one test process). Served at `GET /metrics`.
 *
 * @example
 * ```ts
 * const metrics = new IrisMetrics();
 * metrics.observeRendezvous(rendezvous);
 * await metrics.registry.metrics(); // Prometheus text format
 * ```
 */
export class IrisMetrics {
  readonly registry = new Registry();
  /** HTTP requests by method, route and status. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** HTTP latency by method, route and status, in seconds. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Answers by the model that gave them. */
  readonly predictions: Counter<'model' | 'version' | 'label'>;
  private readonly sources = new Map<string, () => Stats>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'iris_http_requests_total',
      help: 'HTTP requests by method, route and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'iris_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.predictions = new Counter({
      name: 'iris_predictions_total',
      help: 'Answered predictions by the model that answered',
      labelNames: ['model', 'version', 'label'],
      registers: [this.registry],
    });
    const sources = this.sources;
    new Gauge({
      name: 'rendezvous_component_stat',
      help: "Counters and gauges of the example's Rendezvous components (front end, workers, decoy, archiver), from their stats()",
      labelNames: ['component', 'stat'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [component, read] of sources)
          for (const [stat, value] of Object.entries(read())) this.set({ component, stat }, value);
      },
    });
  }

  /**
   * Exposes a component's `stats()` as `rendezvous_component_stat{component,stat}`.
   *
   * @example
   * ```ts
   * metrics.observe('worker:dt@1', () => worker.stats());
   * ```
   */
  observe(component: string, stats: () => object): void {
    this.sources.set(component, () => stats() as Stats);
  }

  /** Exposes the front end's counters and the live models. */
  observeRendezvous(rendezvous: {
    stats(): RendezvousStats;
    readonly registry: ModelRegistry;
  }): void {
    this.observe('frontend', () => rendezvous.stats());
    const registry = rendezvous.registry;
    new Gauge({
      name: 'rendezvous_live_model',
      help: '1 for each model version the front end currently sees alive (heartbeats)',
      labelNames: ['model', 'version'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const m of registry.live()) this.set({ model: m.name, version: m.version }, 1);
      },
    });
  }
}
