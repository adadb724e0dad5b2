import type { Json } from '@rendezvous-ml/core';
import { binOf, quantileEdges } from './quantile-edges.js';

/**
 * A reference distribution over bins: numeric values fall in the ranges cut by `edges`
 * (`edges.length + 1` bins), other values in one bin per category (their JSON text), and a
 * last bin holds categories the reference never saw. `counts` has one entry per bin.
 */
export interface BinnedDistribution {
  readonly edges: readonly number[];
  readonly categories: readonly string[];
  readonly counts: readonly number[];
}

/**
 * The reference window of output and input shift, as JSON: save it with
 * `scorecard.exportShiftReference()` and give it back with `shiftReference: { saved }`, so a
 * restarted scorecard compares against the same baseline.
 *
 * @example
 * ```ts
 * await writeFile('reference.json', JSON.stringify(scorecard.exportShiftReference()));
 * const saved = JSON.parse(await readFile('reference.json', 'utf8')) as ShiftReference;
 * new Scorecard({ results$, shiftReference: { saved } });
 * ```
 */
export interface ShiftReference {
  readonly v: 1;
  /** Results the reference was built from. */
  readonly results: number;
  /** By feature. */
  readonly inputs: Readonly<Record<string, BinnedDistribution>>;
  /** By model, `name@version`. */
  readonly outputs: Readonly<Record<string, BinnedDistribution>>;
}

/** Maps values to bins of one reference distribution. */
export class Binning {
  readonly size: number;
  private readonly categoryIndex: Map<string, number>;

  constructor(readonly distribution: BinnedDistribution) {
    const numeric = distribution.edges.length + 1;
    this.categoryIndex = new Map(distribution.categories.map((c, i) => [c, numeric + i]));
    this.size = numeric + distribution.categories.length + 1;
    if (distribution.counts.length !== this.size)
      throw new RangeError(`a distribution with these bins needs ${this.size} counts`);
  }

  /** The bin of a value; a category never seen goes to the last bin. */
  binOf(value: Json): number {
    if (typeof value === 'number' && Number.isFinite(value))
      return binOf(this.distribution.edges, value);
    return this.categoryIndex.get(categoryOf(value)) ?? this.size - 1;
  }
}

/** The category of a non-numeric value: its JSON text. */
export function categoryOf(value: Json): string {
  return JSON.stringify(value) ?? 'null';
}

/** Builds a reference distribution from the values of the reference window. */
export function distributionOf(values: readonly Json[], bins: number): BinnedDistribution {
  const numbers: number[] = [];
  const categories: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (typeof v === 'number' && Number.isFinite(v)) numbers.push(v);
    else {
      const c = categoryOf(v);
      if (!seen.has(c)) {
        seen.add(c);
        categories.push(c);
      }
    }
  }
  const shape: BinnedDistribution = {
    edges: quantileEdges(numbers, bins),
    categories,
    counts: new Array<number>(0),
  };
  const empty = new Binning({
    ...shape,
    counts: new Array<number>(shape.edges.length + categories.length + 2).fill(0),
  });
  const counts = new Array<number>(empty.size).fill(0);
  for (const v of values) counts[empty.binOf(v)]!++;
  return { ...shape, counts };
}

/** Collects the values of the first results, then freezes them into a {@link ShiftReference}. */
export class ShiftReferenceBuilder {
  private results = 0;
  private readonly inputs = new Map<string, Json[]>();
  private readonly outputs = new Map<string, Json[]>();

  constructor(
    private readonly size: number,
    private readonly bins: number,
  ) {}

  /** Adds one result's features and outputs; returns the reference once it is complete. */
  add(
    features: Readonly<Record<string, Json>>,
    outputs: ReadonlyMap<string, Json>,
  ): ShiftReference | undefined {
    for (const [name, value] of Object.entries(features)) push(this.inputs, name, value);
    for (const [model, value] of outputs) push(this.outputs, model, value);
    this.results++;
    return this.results >= this.size ? this.build() : undefined;
  }

  get count(): number {
    return this.results;
  }

  private build(): ShiftReference {
    const freeze = (m: Map<string, Json[]>) =>
      Object.fromEntries([...m].map(([k, values]) => [k, distributionOf(values, this.bins)]));
    return {
      v: 1,
      results: this.results,
      inputs: freeze(this.inputs),
      outputs: freeze(this.outputs),
    };
  }
}

function push(m: Map<string, Json[]>, key: string, value: Json): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}
