import type { ModelRef, RendezvousResult, RendezvousStats } from '@rendezvous-ml/core';
import type { Counter, Histogram } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { MetricFactory } from './metric-factory.js';
import type { ModelLabels } from './model-labels.js';
import { StatsSources } from './stats-sources.js';

/**
 * What the metrics read of a front end (a `Rendezvous` of any input and output types).
 *
 * @example
 * ```ts
 * const frontEnd: ObservedFrontEnd = new Rendezvous({ transport, policy: latestVersion() });
 * ```
 */
export interface ObservedFrontEnd {
  readonly results$: Observable<RendezvousResult<unknown, unknown>>;
  stats(): RendezvousStats;
  readonly registry: { live(): readonly ModelRef[] };
}

type CounterStat = Exclude<keyof RendezvousStats, 'inFlight' | 'openMailboxes'>;

/** Counters read from `stats()`: metric name → stat (no labels). */
const STAT_COUNTERS = [
  ['rendezvous_requests_deadline_exceeded_total', 'deadlineExceeded'],
  ['rendezvous_requests_overloaded_total', 'overloaded'],
  ['rendezvous_late_scores_total', 'lateScores'],
  ['rendezvous_orphan_scores_total', 'orphanScores'],
  ['rendezvous_duplicate_scores_total', 'duplicateScores'],
  ['rendezvous_invalid_scores_total', 'invalidScores'],
  ['rendezvous_results_published_total', 'resultsPublished'],
  ['rendezvous_result_publish_failures_total', 'resultPublishFailures'],
  ['rendezvous_reply_channel_losses_total', 'replyChannelLosses'],
  ['rendezvous_invalid_heartbeats_total', 'invalidHeartbeats'],
] as const satisfies readonly (readonly [string, CounterStat])[];

/**
 * The front-end metrics: counters and gauges read from each front end's `stats()` at scrape
 * time, and counts and histograms of the records its `results$` emits (one per request, when
 * its mailbox closes, late scores included).
 *
 * @example
 * ```ts
 * const frontEnds = new FrontEndMetrics(new MetricFactory(registry), new ModelLabels(100), buckets);
 * const detach = frontEnds.observe(rendezvous);
 * ```
 */
export class FrontEndMetrics {
  private readonly sources = new StatsSources<RendezvousStats>();
  private readonly registries = new Set<ObservedFrontEnd['registry']>();
  private readonly answers: Counter<string>;
  private readonly decisions: Counter<string>;
  private readonly modelScores: Counter<string>;
  private readonly decisionDuration: Histogram<string>;
  private readonly scoreLatency: Histogram<string>;

  constructor(
    make: MetricFactory,
    private readonly models: ModelLabels,
    buckets: readonly number[],
  ) {
    const sources = this.sources;
    make.counter('rendezvous_requests_total', function () {
      this.reset();
      for (const { labels, stats } of sources.sums(['answered', 'failed'], true)) {
        this.inc({ ...labels, status: 'answered' }, stats.answered);
        this.inc({ ...labels, status: 'failed' }, stats.failed);
      }
    });
    for (const [name, stat] of STAT_COUNTERS)
      make.counter(name, function () {
        this.reset();
        for (const { labels, stats } of sources.sums([stat], true)) this.inc(labels, stats[stat]);
      });
    for (const [name, stat] of [
      ['rendezvous_in_flight_requests', 'inFlight'],
      ['rendezvous_open_mailboxes', 'openMailboxes'],
    ] as const)
      make.gauge(name, function () {
        this.reset();
        for (const { labels, stats } of sources.sums([stat], false)) this.set(labels, stats[stat]);
      });
    const registries = this.registries;
    const capped = this.models;
    make.gauge('rendezvous_live_models', function () {
      this.reset();
      for (const registry of registries)
        for (const m of registry.live()) this.set(capped.of(m.name, m.version), 1);
    });
    this.answers = make.counter('rendezvous_answers_total');
    this.decisions = make.counter('rendezvous_decisions_total');
    this.decisionDuration = make.histogram('rendezvous_decision_duration_seconds', buckets);
    this.modelScores = make.counter('rendezvous_model_scores_total');
    this.scoreLatency = make.histogram('rendezvous_model_score_latency_seconds', buckets);
  }

  /**
   * Observes a front end until its `results$` completes (on `close()`) or the returned
   * function is called; its counters then stay at their last values and carry on with the
   * next front end observed.
   */
  observe(frontEnd: ObservedFrontEnd): () => void {
    const retire = this.sources.add({}, () => frontEnd.stats());
    this.registries.add(frontEnd.registry);
    let done = false;
    let subscription: Subscription | undefined;
    const end = () => {
      if (done) return;
      done = true;
      retire();
      this.registries.delete(frontEnd.registry);
      subscription?.unsubscribe();
    };
    subscription = frontEnd.results$.subscribe({
      next: (result) => this.record(result),
      complete: end,
      error: end,
    });
    if (done) subscription.unsubscribe();
    return end;
  }

  private record(result: RendezvousResult<unknown, unknown>): void {
    if (result.chosen) {
      const { name, version } = result.chosen.model;
      this.answers.inc(this.models.of(name, version));
    }
    this.decisions.inc({ trigger: result.decidedBy.trigger });
    this.decisionDuration.observe({ status: result.status }, result.latencyMs / 1000);
    const late = result.late.length > 0 ? new Set(result.late.map(keyOf)) : undefined;
    for (const c of result.candidates) {
      const labels = this.models.of(c.model.name, c.model.version);
      if (c.status === 'pending') {
        // A model pending at the decision whose score came late is counted once, as late.
        if (!late?.has(keyOf(c))) this.modelScores.inc({ ...labels, outcome: 'missing' });
        continue;
      }
      this.modelScores.inc({ ...labels, outcome: c.status });
      this.scoreLatency.observe(labels, c.latencyMs / 1000);
    }
    for (const c of result.late) {
      const labels = this.models.of(c.model.name, c.model.version);
      this.modelScores.inc({ ...labels, outcome: 'late' });
      if (c.status !== 'pending') this.scoreLatency.observe(labels, c.latencyMs / 1000);
    }
  }
}

const keyOf = (c: { readonly model: ModelRef }): string => `${c.model.name}@${c.model.version}`;
