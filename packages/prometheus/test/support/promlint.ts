import { getMetricsFromIterator, type PromHistogramData, type PromMetric } from 'prom2javascript';

// The checks of `promtool check metrics` (client_golang's promlint), over the families the
// parser gives (prom2javascript: typed, keeps labelled histogram series apart, throws on a
// malformed sample line), plus what it leaves out: duplicate series, families split in two,
// unknown types. Not parse-prometheus-text-format, the most downloaded parser: unchanged for
// years, it merges the series of a labelled histogram into one and drops their labels and
// counts (checked on its 1.1.1).

/** One metric family: its name and what the parser read of it. */
export interface Family extends PromMetric {
  readonly name: string;
}

const UNIT_ABBREVIATIONS = [
  's',
  'ms',
  'us',
  'ns',
  'sec',
  'b',
  'kb',
  'mb',
  'gb',
  'tb',
  'pb',
  'm',
  'h',
  'd',
];
/** Unit → its base unit (a unit that is its own base is fine without a prefix). */
const UNITS: Readonly<Record<string, string>> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvin: 'celsius',
  kelvins: 'celsius',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};
const PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The problems of one family, as promlint words them. */
function lintFamily(f: Family): string[] {
  const issues: string[] = [];
  const type = f.type;
  if (!TYPES.includes(type)) issues.push(`unknown type "${type}"`);
  const n = f.name;
  if (!METRIC_NAME.test(n)) issues.push('invalid metric name');
  if (f.help.trim() === '') issues.push('no help text');
  if (n.includes(':')) issues.push('metric names should not contain ":"');
  if (/[a-z][A-Z]/.test(n))
    issues.push('metric names should be written in snake_case not camelCase');
  if (type === 'counter' && !n.endsWith('_total'))
    issues.push('counter metrics should have "_total" suffix');
  if (type !== 'counter' && n.endsWith('_total'))
    issues.push('non-counter metrics should not have "_total" suffix');
  if (type !== 'histogram' && n.endsWith('_bucket'))
    issues.push('non-histogram metrics should not have "_bucket" suffix');
  if (type !== 'histogram' && type !== 'summary' && (n.endsWith('_count') || n.endsWith('_sum')))
    issues.push('non-histogram and non-summary metrics should not have "_count" or "_sum" suffix');
  for (const t of TYPES)
    if (n.includes(`_${t}_`) || n.endsWith(`_${t}`))
      issues.push(`metric name should not include type '${t}'`);
  const tokens = n.split('_');
  for (const token of tokens) {
    if (UNIT_ABBREVIATIONS.includes(token))
      issues.push('metric names should not contain abbreviated units');
    for (const [unit, base] of Object.entries(UNITS))
      for (const p of ['', ...PREFIXES])
        if (token === p + unit && (p !== '' || unit !== base))
          issues.push(`use base unit "${base}" instead of "${p + unit}"`);
  }
  const seen = new Set<string>();
  for (const sample of f.data) {
    const labels = sample.labels ?? {};
    for (const l of Object.keys(labels)) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) issues.push(`invalid label name "${l}"`);
      if (/[a-z][A-Z]/.test(l))
        issues.push('label names should be written in snake_case not camelCase');
      if (type !== 'histogram' && l === 'le')
        issues.push('non-histogram metrics should not have "le" label');
      if (type !== 'summary' && l === 'quantile')
        issues.push('non-summary metrics should not have "quantile" label');
    }
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    if (seen.has(key)) issues.push(`duplicate series ${key}`);
    seen.add(key);
    if (type === 'histogram') issues.push(...lintHistogram(sample as PromHistogramData));
  }
  return [...new Set(issues)].map((i) => `${n}: ${i}`);
}

/** A bound as Go's ParseFloat reads it (JavaScript's Number does not know "+Inf"). */
const num = (v: string): number => Number(v.replace(/^([+-]?)Inf$/, '$1Infinity'));

function lintHistogram(sample: PromHistogramData): string[] {
  const buckets = Object.entries(sample.buckets ?? {})
    .map(([le, count]) => [num(le), count] as const)
    .sort(([a], [b]) => a - b);
  const issues: string[] = [];
  if (buckets.at(-1)?.[0] !== Number.POSITIVE_INFINITY)
    issues.push('histogram without a +Inf bucket');
  else if (buckets.at(-1)?.[1] !== sample.count) issues.push('+Inf bucket is not the count');
  for (let i = 1; i < buckets.length; i++)
    if (buckets[i]![1] < buckets[i - 1]![1]) issues.push('histogram buckets are not cumulative');
  return issues;
}

/** Series that appear twice in the text itself, and families whose lines are not together. */
function duplicateLines(text: string): string[] {
  const seen = new Set<string>();
  const issues: string[] = [];
  const families: string[] = [];
  for (const line of text.split('\n')) {
    const meta = /^# (?:HELP|TYPE) (\S+)/.exec(line);
    if (meta?.[1] && families.at(-1) !== meta[1]) {
      if (families.includes(meta[1])) issues.push(`${meta[1]}: family appears twice`);
      families.push(meta[1]);
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const series = line.slice(0, line.lastIndexOf(' ')).trim();
    if (seen.has(series)) issues.push(`duplicate series ${series}`);
    seen.add(series);
  }
  return issues;
}

/**
 * Parses an exposition with parse-prometheus-text-format (which throws on a malformed line)
 * and lints it as `promtool check metrics` would.
 *
 * @example
 * ```ts
 * const { families, problems } = await checkMetrics(await registry.metrics());
 * expect(problems).toEqual([]);
 * ```
 */
export async function checkMetrics(
  text: string,
): Promise<{ families: Family[]; problems: string[] }> {
  // prom2javascript reads no NaN nor -Inf, both valid values (prom-client writes NaN as "Nan",
  // and Prometheus reads values with Go's ParseFloat, which takes NaN in any case). Such a
  // value is checked here and handed to the parser as 0, so that it reads the rest.
  const lines = text.split('\n').map((l) => l.replace(/ (?:nan|-inf)( -?\d+)?$/i, ' 0$1'));
  const parsed = await getMetricsFromIterator(lines[Symbol.iterator]());
  const families = Object.entries(parsed).map(([name, f]) => ({ name, ...f }));
  const problems = [...families.flatMap(lintFamily), ...duplicateLines(text)];
  return { families, problems };
}

/** The value of a family's sample with these labels (counters, gauges), or undefined. */
export function sampleValue(
  families: readonly Family[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const family = families.find((f) => f.name === name);
  const samples = (family?.data ?? []) as readonly { labels: Record<string, string> }[];
  const sample = samples.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
  if (!sample) return undefined;
  return 'value' in sample ? (sample.value as number) : (sample as PromHistogramData).count;
}
