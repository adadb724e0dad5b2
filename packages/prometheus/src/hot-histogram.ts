import type { MetricName } from './metric-catalogue.js';
import type { MetricFactory } from './metric-factory.js';
import type { Labels } from './stats-sources.js';

/** One series of a {@link HotHistogram}: pass it to `observe`. */
export interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram observed on every request, for the same reason as `HotCounter`: series are
 * looked up once by key, an observation is a bucket search and three additions, and the
 * exposition is built at scrape time (a prom-client `Histogram` whose `get()` reports them).
 *
 * @example
 * ```ts
 * const latency = new HotHistogram(make, 'rendezvous_decision_duration_seconds', DEFAULT_BUCKETS);
 * latency.observe(latency.series('answered', { status: 'answered' }), 0.004);
 * ```
 */
export class HotHistogram {
  private readonly all = new Map<string, HistogramSeries>();
  private readonly bounds: readonly number[];

  constructor(make: MetricFactory, name: MetricName, buckets: readonly number[]) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    const all = this.all;
    const bounds = this.bounds;
    const metric = make.histogram(name, bounds);
    // prom-client 15's registry formats what these return (`getForPromString` for the text,
    // `get` for JSON): report our series in its shape. The exposition tests read it back.
    const report = async () => ({
      name,
      help: (metric as unknown as { help: string }).help,
      type: 'histogram',
      aggregator: 'sum',
      values: [...all.values()].flatMap((s) => exposition(name, bounds, s)),
    });
    Object.assign(metric, { get: report, getForPromString: report });
  }

  /** The series of `key` (created with `labels` the first time). */
  series(key: string, labels: Labels): HistogramSeries {
    let s = this.all.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.all.set(key, s);
    }
    return s;
  }

  observe(series: HistogramSeries, value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }
}

function exposition(name: string, bounds: readonly number[], s: HistogramSeries) {
  const values: { labels: Labels; value: number; metricName: string }[] = [];
  let cumulative = 0;
  for (let i = 0; i <= bounds.length; i++) {
    cumulative += s.counts[i]!;
    const le = i < bounds.length ? String(bounds[i]) : '+Inf';
    values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${name}_bucket` });
  }
  values.push({ labels: s.labels, value: s.sum, metricName: `${name}_sum` });
  values.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
  return values;
}
