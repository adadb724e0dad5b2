import type { ModelRef, RendezvousResult, RendezvousStats } from '@rendezvous-ml/core';
import type { Observable } from 'rxjs';
import { type CounterSeries, HotCounter } from './hot-counter.js';
import { type HistogramSeries, HotHistogram } from './hot-histogram.js';
import type { MetricFactory } from './metric-factory.js';
import { type ModelLabels, type ModelLabelValues, OTHER_MODEL } from './model-labels.js';
import { observeUntilDone, StatsSources } from './stats-sources.js';

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
  private readonly answers: HotCounter;
  private readonly decisions: HotCounter;
  private readonly modelScores: HotCounter;
  private readonly decisionDuration: HotHistogram;
  private readonly scoreLatency: HotHistogram;
  /** Model name → version → its series (past `maxModels`, several share `other`). */
  private readonly slots = new Map<string, Map<string, ModelSlot>>();
  private other: ModelSlot | undefined;
  private readonly byTrigger = new Map<string, CounterSeries>();
  private readonly byStatus = new Map<string, HistogramSeries>();

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
    sources.counters(make, STAT_COUNTERS);
    sources.gauges(make, [
      ['rendezvous_in_flight_requests', 'inFlight'],
      ['rendezvous_open_mailboxes', 'openMailboxes'],
    ]);
    const registries = this.registries;
    const capped = this.models;
    make.gauge('rendezvous_live_models', function () {
      this.reset();
      for (const registry of registries)
        for (const m of registry.live()) this.set(capped.of(m.name, m.version), 1);
    });
    this.answers = new HotCounter(make, 'rendezvous_answers_total');
    this.decisions = new HotCounter(make, 'rendezvous_decisions_total');
    this.decisionDuration = new HotHistogram(make, 'rendezvous_decision_duration_seconds', buckets);
    this.modelScores = new HotCounter(make, 'rendezvous_model_scores_total');
    this.scoreLatency = new HotHistogram(make, 'rendezvous_model_score_latency_seconds', buckets);
  }

  /**
   * Observes a front end until its `results$` completes (on `close()`) or the returned
   * function is called; its counters then stay at their last values and carry on with the
   * next front end observed.
   */
  observe(frontEnd: ObservedFrontEnd): () => void {
    const retire = this.sources.add({}, () => frontEnd.stats());
    this.registries.add(frontEnd.registry);
    const detach = () => {
      retire();
      this.registries.delete(frontEnd.registry);
    };
    return observeUntilDone(frontEnd.results$, detach, (result) => this.record(result));
  }

  // On every result: the series of a model version, a trigger or a status are found in maps
  // by the strings the result carries; nothing is allocated unless a series is new.
  private record(result: RendezvousResult<unknown, unknown>): void {
    if (result.chosen) this.slot(result.chosen.model).answers.value++;
    const trigger = result.decidedBy.trigger;
    (this.byTrigger.get(trigger) ?? this.triggerSeries(trigger)).value++;
    const status = result.status;
    const duration = this.decisionDuration;
    duration.observe(
      this.byStatus.get(status) ?? this.statusSeries(status),
      result.latencyMs / 1000,
    );
    const late = result.late.length > 0 ? new Set(result.late.map(keyOf)) : undefined;
    for (const c of result.candidates) {
      const slot = this.slot(c.model);
      if (c.status === 'pending') {
        // A model pending at the decision whose score came late is counted once, as late.
        if (!late?.has(keyOf(c))) slot.outcome('missing').value++;
        continue;
      }
      slot.outcome(c.status).value++;
      this.scoreLatency.observe(slot.latency, c.latencyMs / 1000);
    }
    for (const c of result.late) {
      const slot = this.slot(c.model);
      slot.outcome('late').value++;
      if (c.status !== 'pending') this.scoreLatency.observe(slot.latency, c.latencyMs / 1000);
    }
  }

  private slot(model: ModelRef): ModelSlot {
    const known = this.slots.get(model.name)?.get(model.version);
    if (known) return known;
    const labels = this.models.of(model.name, model.version);
    if (labels === OTHER_MODEL) {
      // Past the cap every stray version shares one slot, and none is remembered.
      this.other ??= this.newSlot(labels);
      return this.other;
    }
    const slot = this.newSlot(labels);
    let versions = this.slots.get(model.name);
    if (!versions) {
      versions = new Map();
      this.slots.set(model.name, versions);
    }
    versions.set(model.version, slot);
    return slot;
  }

  private newSlot(labels: ModelLabelValues): ModelSlot {
    const key = `${labels.model}\u0000${labels.version}`;
    const outcomes = new Map<string, CounterSeries>();
    return {
      answers: this.answers.series(key, labels),
      latency: this.scoreLatency.series(key, labels),
      outcome: (outcome) => {
        let series = outcomes.get(outcome);
        if (!series) {
          series = this.modelScores.series(`${key}\u0000${outcome}`, { ...labels, outcome });
          outcomes.set(outcome, series);
        }
        return series;
      },
    };
  }

  private triggerSeries(trigger: string): CounterSeries {
    const series = this.decisions.series(trigger, { trigger });
    this.byTrigger.set(trigger, series);
    return series;
  }

  private statusSeries(status: string): HistogramSeries {
    const series = this.decisionDuration.series(status, { status });
    this.byStatus.set(status, series);
    return series;
  }
}

/** The series of one model version (name and version as the scores carry them). */
interface ModelSlot {
  readonly answers: CounterSeries;
  readonly latency: HistogramSeries;
  outcome(outcome: string): CounterSeries;
}

const keyOf = (c: { readonly model: ModelRef }): string => `${c.model.name}@${c.model.version}`;
