import { RendezvousMetrics } from '@rendezvous-ml/prometheus';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The example's Prometheus metrics, on a registry of its own (so several servers can live in
 * one test process), served at `GET /metrics`: the SDK's standard metrics
 * (`@rendezvous-ml/prometheus`: front end, workers, decoy, archivers, scorecard, as far as this
 * process runs them), the example's own HTTP metrics, and Node's default metrics.
 *
 * @example
 * ```ts
 * const metrics = new IrisMetrics();
 * metrics.rendezvous.observeFrontEnd(rendezvous);
 * await metrics.registry.metrics(); // Prometheus text format
 * ```
 */
export class IrisMetrics {
  readonly registry = new Registry();
  /** The SDK's metrics: give `instrumentation` to workers, and `observe*` each component. */
  readonly rendezvous: RendezvousMetrics;
  /** HTTP requests by method, route and status. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** HTTP latency by method, route and status, in seconds. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Answers by the model that gave them, and the class it answered. */
  readonly predictions: Counter<'model' | 'version' | 'label'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like
      // counters, which `promtool check metrics` rejects; the same figures by type stay
      // (nodejs_active_handles and the others, without _total).
      for (const m of this.registry.getMetricsAsArray())
        if (m.name.endsWith('_total') && !(m instanceof Counter))
          this.registry.removeSingleMetric(m.name);
    }
    this.rendezvous = new RendezvousMetrics({ registry: this.registry });
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
      help: 'Answered predictions by the model that answered, and the class it answered',
      labelNames: ['model', 'version', 'label'],
      registers: [this.registry],
    });
  }
}
