import { LatencyHistogram } from './latency-histogram.js';

/** One model's counters in one bucket. */
export class ModelTally {
  candidates = 0;
  chosen = 0;
  ok = 0;
  errors = 0;
  timeouts = 0;
  late = 0;
  readonly latency = new LatencyHistogram();
  /** Output counts per bin of the shift reference (after it is ready). */
  outputs: number[] | undefined;

  addInto(t: ModelTally): void {
    t.candidates += this.candidates;
    t.chosen += this.chosen;
    t.ok += this.ok;
    t.errors += this.errors;
    t.timeouts += this.timeouts;
    t.late += this.late;
    t.latency.add(this.latency);
    if (this.outputs) t.outputs = addCounts(t.outputs, this.outputs);
  }
}

/** Agreement counts of one pair of models. */
export interface PairTally {
  compared: number;
  agreed: number;
}

/**
 * Everything counted over one time bucket (or since start). Windows are sums of buckets; the
 * pairs of models are all counted so that the reference can change without recounting.
 */
export class Tally {
  results = 0;
  answered = 0;
  failed = 0;
  readonly latency = new LatencyHistogram();
  readonly models = new Map<string, ModelTally>();
  /** Keyed `a\u0000b` with a < b. */
  readonly pairs = new Map<string, PairTally>();
  /** Input counts per feature, per bin of the shift reference. */
  readonly inputs = new Map<string, number[]>();
  /** Results counted into `inputs`. */
  shiftSamples = 0;

  model(key: string): ModelTally {
    let m = this.models.get(key);
    if (!m) {
      m = new ModelTally();
      this.models.set(key, m);
    }
    return m;
  }

  pair(key: string): PairTally {
    let p = this.pairs.get(key);
    if (!p) {
      p = { compared: 0, agreed: 0 };
      this.pairs.set(key, p);
    }
    return p;
  }

  addInto(t: Tally): void {
    t.results += this.results;
    t.answered += this.answered;
    t.failed += this.failed;
    t.shiftSamples += this.shiftSamples;
    t.latency.add(this.latency);
    for (const [k, m] of this.models) m.addInto(t.model(k));
    for (const [k, p] of this.pairs) {
      const q = t.pair(k);
      q.compared += p.compared;
      q.agreed += p.agreed;
    }
    for (const [k, c] of this.inputs) t.inputs.set(k, addCounts(t.inputs.get(k), c));
  }
}

/** The key of an unordered pair of models. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function addCounts(into: number[] | undefined, from: readonly number[]): number[] {
  const out = into ?? new Array<number>(from.length).fill(0);
  for (let i = 0; i < from.length; i++) out[i]! += from[i]!;
  return out;
}

/**
 * Buckets of `bucketMs` in a ring long enough for the longest window: a bucket is reused
 * (fresh) once it is older than that.
 */
export class TallyRing {
  private readonly slots: ({ index: number; tally: Tally } | undefined)[];

  constructor(
    readonly bucketMs: number,
    longestMs: number,
  ) {
    this.slots = new Array(Math.ceil(longestMs / bucketMs) + 1).fill(undefined);
  }

  /** The bucket of time `now`. */
  at(now: number): Tally {
    const index = Math.floor(now / this.bucketMs);
    const i = index % this.slots.length;
    const slot = this.slots[i];
    if (slot?.index === index) return slot.tally;
    // A fresh tally for a new bucket; the one it replaces (older than the longest window) goes.
    const tally = new Tally();
    this.slots[i] = { index, tally };
    return tally;
  }

  /** The sum of the last ⌈durationMs / bucketMs⌉ buckets up to `now`, and where it starts. */
  sum(now: number, durationMs: number): { tally: Tally; from: number } {
    const last = Math.floor(now / this.bucketMs);
    const k = Math.min(this.slots.length, Math.ceil(durationMs / this.bucketMs));
    const tally = new Tally();
    for (let index = last - k + 1; index <= last; index++) {
      const slot =
        this.slots[((index % this.slots.length) + this.slots.length) % this.slots.length];
      if (slot?.index === index) slot.tally.addInto(tally);
    }
    return { tally, from: (last - k + 1) * this.bucketMs };
  }
}
