import type { ArchiverEvent, ArchiverStats, Clock } from '@rendezvous-ml/core';
import type { Gauge } from 'prom-client';
import type { MetricFactory } from './metric-factory.js';
import { type ObservedStats, observeUntilDone, StatsSources } from './stats-sources.js';

/**
 * What the metrics read of an archiver: an `Archiver` or a `Decoy`.
 *
 * @example
 * ```ts
 * const observed: ObservedArchiver = new Decoy({ transport, sinks });
 * ```
 */
export type ObservedArchiver = ObservedStats<ArchiverStats, ArchiverEvent>;

/**
 * The archiver metrics, labelled by the archiver's name (`decoy`, `scores`, `results`...):
 * counters and the pending records read from `stats()` at scrape time, and the time of the
 * last batch written, from `events$`.
 *
 * @example
 * ```ts
 * const archivers = new ArchiverMetrics(new MetricFactory(registry), systemClock);
 * archivers.observe(decoy, 'decoy');
 * ```
 */
export class ArchiverMetrics {
  private readonly sources = new StatsSources<ArchiverStats>();
  private readonly lastFlush: Gauge<string>;

  constructor(
    make: MetricFactory,
    private readonly clock: Clock,
  ) {
    this.sources.counters(make, [
      ['rendezvous_archiver_records_total', 'archived'],
      ['rendezvous_archiver_batches_total', 'batches'],
      ['rendezvous_archiver_failed_batches_total', 'failedBatches'],
      ['rendezvous_archiver_released_total', 'released'],
      ['rendezvous_archiver_dead_letters_total', 'deadLettered'],
    ]);
    this.sources.gauges(make, [['rendezvous_archiver_pending_records', 'pending']]);
    this.lastFlush = make.gauge('rendezvous_archiver_last_flush_timestamp_seconds');
  }

  /**
   * Observes an archiver under the label `archiver="<name>"` until its `events$` completes
   * (on `stop()`) or the returned function is called; its counters then stay at their last
   * values and carry on with the next archiver of that name.
   */
  observe(archiver: ObservedArchiver, name: string): () => void {
    const retire = this.sources.add({ archiver: name }, () => archiver.stats());
    return observeUntilDone(archiver.events$, retire, (event) => {
      if (event.type === 'flushed') this.lastFlush.set({ archiver: name }, this.clock.now() / 1000);
    });
  }
}
