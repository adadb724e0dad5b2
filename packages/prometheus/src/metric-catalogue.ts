import { ARCHIVER_METRICS } from './catalogue/archiver-metrics.js';
import { FRONT_END_METRICS } from './catalogue/front-end-metrics.js';
import { SCORECARD_METRICS } from './catalogue/scorecard-metrics.js';
import { WORKER_METRICS } from './catalogue/worker-metrics.js';

/**
 * One metric this package registers: its name, Prometheus type, label names and help text.
 * The README's metric table is this list; a test keeps them equal.
 *
 * @example
 * ```ts
 * const m: MetricDescription = { name: 'rendezvous_requests_total', type: 'counter', labels: ['status'],
 *   component: 'front end', source: 'stats()', help: 'Requests decided, by status (answered or failed)' };
 * ```
 */
export interface MetricDescription {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  /** What it measures: a front end, a worker, an archiver or a scorecard. */
  readonly component: 'front end' | 'worker' | 'archiver' | 'scorecard';
  /** Where the figure comes from: read at scrape time, pushed by an observable, or by the seam. */
  readonly source: string;
  readonly help: string;
}

/**
 * Every metric `RendezvousMetrics` registers, in the README's order.
 *
 * @example
 * ```ts
 * const counters = METRICS.filter((m) => m.type === 'counter').map((m) => m.name);
 * ```
 */
export const METRICS = [
  ...FRONT_END_METRICS,
  ...WORKER_METRICS,
  ...ARCHIVER_METRICS,
  ...SCORECARD_METRICS,
] as const satisfies readonly MetricDescription[];

/**
 * The name of a metric of {@link METRICS}.
 *
 * @example
 * ```ts
 * const name: MetricName = 'rendezvous_answers_total';
 * ```
 */
export type MetricName = (typeof METRICS)[number]['name'];
