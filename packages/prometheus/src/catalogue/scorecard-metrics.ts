import type { MetricDescription } from '../metric-catalogue.js';
import { MODEL } from './model-label-names.js';

/**
 * The metrics of a scorecard (`Scorecard`), in the README's order.
 *
 * @example
 * ```ts
 * const names = SCORECARD_METRICS.map((m) => m.name);
 * ```
 */
export const SCORECARD_METRICS = [
  {
    name: 'rendezvous_scorecard_agreement_ratio',
    type: 'gauge',
    labels: ['window', ...MODEL],
    component: 'scorecard',
    source: 'scorecard$',
    help: "Share of requests where a model version's output agreed with the reference model's",
  },
  {
    name: 'rendezvous_scorecard_agreement_lower_bound_ratio',
    type: 'gauge',
    labels: ['window', ...MODEL],
    component: 'scorecard',
    source: 'scorecard$',
    help: 'Low end of the 95% Wilson interval of the agreement',
  },
  {
    name: 'rendezvous_scorecard_agreement_upper_bound_ratio',
    type: 'gauge',
    labels: ['window', ...MODEL],
    component: 'scorecard',
    source: 'scorecard$',
    help: 'High end of the 95% Wilson interval of the agreement',
  },
  {
    name: 'rendezvous_scorecard_error_ratio',
    type: 'gauge',
    labels: ['window', ...MODEL],
    component: 'scorecard',
    source: 'scorecard$',
    help: "Share of a model version's candidate requests it answered with an error",
  },
  {
    name: 'rendezvous_scorecard_timeout_ratio',
    type: 'gauge',
    labels: ['window', ...MODEL],
    component: 'scorecard',
    source: 'scorecard$',
    help: "Share of a model version's candidate requests it never scored",
  },
  {
    name: 'rendezvous_scorecard_output_shift_psi',
    type: 'gauge',
    labels: ['window', ...MODEL],
    component: 'scorecard',
    source: 'scorecard$',
    help: "Population stability index of a model version's outputs against the reference window",
  },
  {
    name: 'rendezvous_scorecard_input_shift_psi',
    type: 'gauge',
    labels: ['window', 'feature'],
    component: 'scorecard',
    source: 'scorecard$',
    help: 'Population stability index of an input feature against the reference window',
  },
  {
    name: 'rendezvous_scorecard_shift_reference_ready',
    type: 'gauge',
    labels: [],
    component: 'scorecard',
    source: 'scorecard$',
    help: '1 once the shift reference window is complete, else 0',
  },
  {
    name: 'rendezvous_scorecard_alarms_total',
    type: 'counter',
    labels: ['kind', 'state'],
    component: 'scorecard',
    source: 'alarm$',
    help: 'Alarm changes by kind and state (firing, cleared)',
  },
  {
    name: 'rendezvous_scorecard_alarm_firing',
    type: 'gauge',
    labels: ['kind', 'window', ...MODEL, 'feature'],
    component: 'scorecard',
    source: 'alarm$',
    help: 'Each alarm that has fired: 1 while firing, 0 once cleared (model or feature empty when not its subject)',
  },
  {
    name: 'rendezvous_scorecard_stream_results_total',
    type: 'counter',
    labels: ['outcome'],
    component: 'scorecard',
    source: 'streamStats()',
    help: 'Results-stream deliveries by outcome: read, duplicate, dead_lettered, dropped, failed',
  },
] as const satisfies readonly MetricDescription[];
