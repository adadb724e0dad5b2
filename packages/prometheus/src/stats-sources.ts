import { type Counter, Gauge } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { MetricName } from './metric-catalogue.js';
import type { MetricFactory } from './metric-factory.js';

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** Pairs of a name (a metric's, or a label value) and the stat of `S` it reports. */
export type StatTable<S> = readonly (readonly [string, keyof S & string])[];

/**
 * A component whose counters the metrics read at scrape time (`stats()`) and which they follow
 * until its `events$` completes.
 */
export interface ObservedStats<S, E> {
  readonly events$: Observable<E>;
  stats(): S;
}

/** One observed component: its labels and how to read its counters. */
interface Source<S> {
  readonly key: string;
  readonly labels: Labels;
  readonly read: () => S;
}

/** Summed figures of one label set. */
export interface LabelledStats<S> {
  readonly labels: Labels;
  readonly stats: S;
}

const keyOf = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');

/**
 * The components of one kind whose `stats()` are read at scrape time. Counters must never go
 * back: when a component ends (it is stopped, or replaced by a new one after a restart), its
 * last figures are kept in `retired` and added to those of the live components with the same
 * labels, so a counter series carries on from where it was. Gauges read only the live ones.
 *
 * @example
 * ```ts
 * const workers = new StatsSources<ModelWorkerStats>();
 * const retire = workers.add({ model: 'dt', version: '1' }, () => worker.stats());
 * worker.events$.subscribe({ complete: retire });
 * for (const { labels, stats } of workers.totals(['scored'])) counter.inc(labels, stats.scored);
 * ```
 */
export class StatsSources<S extends object> {
  private readonly live = new Set<Source<S>>();
  private readonly retired = new Map<string, LabelledStats<Record<string, number>>>();

  /** Observes a component; returns the function that retires it (idempotent). */
  add(labels: Labels, read: () => S): () => void {
    const source: Source<S> = { key: keyOf(labels), labels, read };
    this.live.add(source);
    return () => {
      if (!this.live.delete(source)) return;
      const last = numbers(source.read());
      const kept = this.retired.get(source.key);
      if (!kept) {
        this.retired.set(source.key, { labels, stats: last });
        return;
      }
      for (const [k, v] of Object.entries(last)) kept.stats[k] = (kept.stats[k] ?? 0) + v;
    };
  }

  /**
   * One counter per `[metric, stat]` of `table`, set at scrape time to the stat summed over the
   * retired and live components of each label set.
   */
  counters(make: MetricFactory, table: readonly (readonly [MetricName, keyof S & string])[]): void {
    for (const [name, stat] of table) make.counter(name, this.collector(stat, true));
  }

  /** One gauge per `[metric, stat]` of `table`: the stat summed over the live components. */
  gauges(make: MetricFactory, table: readonly (readonly [MetricName, keyof S & string])[]): void {
    for (const [name, stat] of table) make.gauge(name, this.collector(stat, false));
  }

  /** The `collect` of a metric that reports `stat`: a counter (`retired`) or a gauge. */
  private collector(stat: keyof S & string, retired: boolean) {
    const sums = () => this.sums([stat], retired);
    return function (this: Counter<string> | Gauge<string>): void {
      this.reset();
      for (const { labels, stats } of sums())
        if (this instanceof Gauge) this.set(labels, stats[stat]);
        else this.inc(labels, stats[stat]);
    };
  }

  /** How many live components each label set has. */
  count(): LabelledStats<number>[] {
    const out = new Map<string, { labels: Labels; stats: number }>();
    for (const s of this.live) {
      const entry = out.get(s.key);
      if (entry) entry.stats++;
      else out.set(s.key, { labels: s.labels, stats: 1 });
    }
    return [...out.values()];
  }

  /**
   * The sums of `fields` per label set: retired and live components for counters (`retired`
   * true), live ones only for gauges.
   */
  sums<K extends keyof S & string>(
    fields: readonly K[],
    retired: boolean,
  ): LabelledStats<Record<K, number>>[] {
    const out = new Map<string, { labels: Labels; stats: Record<string, number> }>();
    const add = (key: string, labels: Labels, stats: Readonly<Record<string, unknown>>) => {
      let entry = out.get(key);
      if (!entry) {
        entry = { labels, stats: Object.fromEntries(fields.map((f) => [f, 0])) };
        out.set(key, entry);
      }
      for (const f of fields) {
        const v = stats[f];
        if (typeof v === 'number' && Number.isFinite(v)) entry.stats[f] = (entry.stats[f] ?? 0) + v;
      }
    };
    if (retired) for (const [key, r] of this.retired) add(key, r.labels, r.stats);
    for (const s of this.live) add(s.key, s.labels, s.read() as Record<string, unknown>);
    return [...out.values()] as LabelledStats<Record<K, number>>[];
  }
}

function numbers(stats: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) if (typeof v === 'number') out[k] = v;
  return out;
}

/**
 * Follows `events$` (each event to `next`) until it completes or errors, or the returned
 * function is called, whichever is first; then `retire` runs, once, and the subscription ends.
 *
 * @example
 * ```ts
 * const detach = observeUntilDone(worker.events$, sources.add(labels, () => worker.stats()));
 * ```
 */
export function observeUntilDone<T>(
  events$: Observable<T>,
  retire: () => void,
  next?: (event: T) => void,
): () => void {
  let done = false;
  let subscription: Subscription | undefined;
  const end = () => {
    if (done) return;
    done = true;
    retire();
    subscription?.unsubscribe();
  };
  subscription = events$.subscribe({ next, complete: end, error: end });
  if (done) subscription.unsubscribe();
  return end;
}
