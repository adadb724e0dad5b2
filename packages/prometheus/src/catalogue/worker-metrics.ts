import type { MetricDescription } from '../metric-catalogue.js';
import { MODEL } from './model-label-names.js';

/**
 * The metrics of a model worker (`ModelWorker`), in the README's order.
 *
 * @example
 * ```ts
 * const names = WORKER_METRICS.map((m) => m.name);
 * ```
 */
export const WORKER_METRICS = [
  {
    name: 'rendezvous_worker_requests_total',
    type: 'counter',
    labels: [...MODEL, 'outcome'],
    component: 'worker',
    source: 'stats()',
    help: 'Requests a worker received, by how each ended: scored, skipped_expired, expired_predicting, expired_unsent, dead_lettered, reply_failed',
  },
  {
    name: 'rendezvous_worker_prediction_errors_total',
    type: 'counter',
    labels: MODEL,
    component: 'worker',
    source: 'stats()',
    help: 'Error scores sent: predict threw, timed out, or returned an output JSON cannot carry',
  },
  {
    name: 'rendezvous_worker_active_predictions',
    type: 'gauge',
    labels: MODEL,
    component: 'worker',
    source: 'stats()',
    help: 'Predictions and score sends holding a concurrency slot now',
  },
  {
    name: 'rendezvous_worker_consumer_losses_total',
    type: 'counter',
    labels: MODEL,
    component: 'worker',
    source: 'stats()',
    help: "Times a worker's consume stream ended under it",
  },
  {
    name: 'rendezvous_worker_instances',
    type: 'gauge',
    labels: MODEL,
    component: 'worker',
    source: 'observed workers',
    help: 'Observed workers of each model version that have not stopped',
  },
  {
    name: 'rendezvous_worker_queue_duration_seconds',
    type: 'histogram',
    labels: MODEL,
    component: 'worker',
    source: 'instrumentation',
    help: 'Time a request waited in a worker before its prediction started (startedAt - receivedAt)',
  },
  {
    name: 'rendezvous_worker_predict_duration_seconds',
    type: 'histogram',
    labels: [...MODEL, 'outcome'],
    component: 'worker',
    source: 'instrumentation',
    help: 'Time from the start of a prediction to its end, by outcome: ok, error, expired, unsent',
  },
] as const satisfies readonly MetricDescription[];
