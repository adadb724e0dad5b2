import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS, type MetricName } from './metric-catalogue.js';

function describe(name: MetricName, type: 'counter' | 'gauge' | 'histogram') {
  const m = METRICS.find((x) => x.name === name);
  // The names are typed: this only fails if the catalogue and the code disagree on the type.
  if (!m || m.type !== type) throw new Error(`${name} is not a ${type} of the catalogue`);
  return { name: m.name, help: m.help, labelNames: [...m.labels] as string[] };
}

/**
 * Makes the prom-client metrics of the catalogue on one registry: each one's help and labels
 * come from {@link METRICS}, so what is registered is what is documented.
 *
 * @example
 * ```ts
 * const make = new MetricFactory(registry);
 * const answers = make.counter('rendezvous_answers_total');
 * ```
 */
export class MetricFactory {
  constructor(private readonly registry: Registry) {}

  /** A counter; with `collect`, its values are set at scrape time. */
  counter(name: MetricName, collect?: (this: Counter<string>) => void): Counter<string> {
    return new Counter({
      ...describe(name, 'counter'),
      registers: [this.registry],
      ...(collect ? { collect } : {}),
    });
  }

  /** A gauge; with `collect`, its values are set at scrape time. */
  gauge(name: MetricName, collect?: (this: Gauge<string>) => void): Gauge<string> {
    return new Gauge({
      ...describe(name, 'gauge'),
      registers: [this.registry],
      ...(collect ? { collect } : {}),
    });
  }

  histogram(name: MetricName, buckets: readonly number[]): Histogram<string> {
    return new Histogram({
      ...describe(name, 'histogram'),
      buckets: [...buckets],
      registers: [this.registry],
    });
  }
}
