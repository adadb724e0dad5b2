import type { MetricDescription } from '../metric-catalogue.js';

/**
 * The metrics of a archiver (`Archiver`, `Decoy`), in the README's order.
 *
 * @example
 * ```ts
 * const names = ARCHIVER_METRICS.map((m) => m.name);
 * ```
 */
export const ARCHIVER_METRICS = [
  {
    name: 'rendezvous_archiver_records_total',
    type: 'counter',
    labels: ['archiver'],
    component: 'archiver',
    source: 'stats()',
    help: 'Records written by every sink and acknowledged',
  },
  {
    name: 'rendezvous_archiver_batches_total',
    type: 'counter',
    labels: ['archiver'],
    component: 'archiver',
    source: 'stats()',
    help: 'Batches written by every sink',
  },
  {
    name: 'rendezvous_archiver_failed_batches_total',
    type: 'counter',
    labels: ['archiver'],
    component: 'archiver',
    source: 'stats()',
    help: 'Batches handed back to the transport after their write failed',
  },
  {
    name: 'rendezvous_archiver_released_total',
    type: 'counter',
    labels: ['archiver'],
    component: 'archiver',
    source: 'stats()',
    help: 'Deliveries handed back for a later redelivery',
  },
  {
    name: 'rendezvous_archiver_dead_letters_total',
    type: 'counter',
    labels: ['archiver'],
    component: 'archiver',
    source: 'stats()',
    help: 'Messages sent to the dead letter: invalid envelopes, records a sink refused, messages past maxDeliveries',
  },
  {
    name: 'rendezvous_archiver_pending_records',
    type: 'gauge',
    labels: ['archiver'],
    component: 'archiver',
    source: 'stats()',
    help: 'Records waiting in the current batch or being written (the lag in records)',
  },
  {
    name: 'rendezvous_archiver_last_flush_timestamp_seconds',
    type: 'gauge',
    labels: ['archiver'],
    component: 'archiver',
    source: 'events$',
    help: 'Clock time of the last batch written (time() minus it is the lag in seconds)',
  },
] as const satisfies readonly MetricDescription[];
