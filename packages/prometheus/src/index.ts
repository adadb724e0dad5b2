/**
 * Prometheus metrics for Rendezvous: one {@link RendezvousMetrics} registers the standard
 * metrics of front ends, model workers, archivers and the scorecard on a prom-client registry.
 * Every metric is listed in {@link METRICS} (and the README's table).
 *
 * @packageDocumentation
 */

export type { ObservedArchiver } from './archiver-metrics.js';
export type { ObservedFrontEnd } from './front-end-metrics.js';
export { METRICS, type MetricDescription, type MetricName } from './metric-catalogue.js';
export { type ModelLabelValues, OTHER_MODEL } from './model-labels.js';
export {
  DEFAULT_BUCKETS,
  RendezvousMetrics,
  type RendezvousMetricsOptions,
} from './rendezvous-metrics.js';
export type { ObservedScorecard } from './scorecard-metrics.js';
export type { ObservedStats } from './stats-sources.js';
export type { ObservedWorker } from './worker-metrics.js';
