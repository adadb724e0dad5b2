/**
 * Counts how often this process delivered the same offset of a partition to a group. Kafka has
 * no per-message delivery count: a message comes back only when a partition is reassigned and
 * reading resumes from the committed offset. Within one transport this counter sees those
 * repeats; across processes each new owner starts at 1.
 *
 * @example
 * ```ts
 * const counter = new RedeliveryCounter();
 * counter.next('g|t|0', 5); // 1
 * counter.next('g|t|0', 5); // 2 (read again after a rebalance)
 * ```
 */
export class RedeliveryCounter {
  private readonly partitions = new Map<string, { highest: number; counts: Map<number, number> }>();

  /** The delivery count of `offset` in `partitionKey`, counting this delivery. */
  next(partitionKey: string, offset: number): number {
    let p = this.partitions.get(partitionKey);
    if (!p) {
      p = { highest: -1, counts: new Map() };
      this.partitions.set(partitionKey, p);
    }
    if (offset > p.highest) {
      p.highest = offset;
      return 1;
    }
    const count = (p.counts.get(offset) ?? 1) + 1;
    p.counts.set(offset, count);
    return count;
  }

  /** Forgets repeats below `offset` (committed: they will not be read again). */
  committed(partitionKey: string, offset: number): void {
    const p = this.partitions.get(partitionKey);
    if (!p || p.counts.size === 0) return;
    for (const o of p.counts.keys()) if (o < offset) p.counts.delete(o);
  }
}
