import type { Json } from '@rendezvous-ml/core';
import type { LatencySummary as WindowLatency } from '@rendezvous-ml/scorecard';

/**
 * The nearest-rank percentile of a sample: the smallest value with at least `p` % of the sample
 * at or below it. Exact (the sample is sorted), so a report's figures can be checked by hand.
 *
 * @example
 * ```ts
 * percentile([5, 1, 3, 2, 4], 50); // 3
 * ```
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return nearestRank(sorted, p);
}

function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/**
 * Latency figures of one model in a replay, in ms.
 */
export interface LatencySummary extends WindowLatency {
  readonly mean: number;
}

/**
 * p50/p95/p99 (nearest rank), max and mean of a latency sample; `undefined` when it is empty.
 *
 * @example
 * ```ts
 * summarizeLatency([1, 2, 4]); // { count: 3, p50: 2, p95: 4, p99: 4, max: 4, mean: 2.333… }
 * ```
 */
export function summarizeLatency(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}

function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map((v: Json) => canonical(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as { readonly [key: string]: Json };
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k] as Json)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The label of an output in a confusion matrix: a string as it is, anything else as its
 * canonical JSON.
 *
 * @example
 * ```ts
 * outputLabel('setosa'); // 'setosa'
 * outputLabel(2); // '2'
 * ```
 */
export function outputLabel(output: Json): string {
  return typeof output === 'string' ? output : canonical(output);
}
