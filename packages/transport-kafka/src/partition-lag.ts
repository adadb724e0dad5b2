/** Acknowledged offsets in `[from, to)` of a partition that no commit covers yet. */
export type AckedAhead = (topic: string, partition: number, from: number, to: number) => number;

/** One partition's offsets as the broker reports them: the end (`high`) and the earliest kept (`low`). */
export interface PartitionEnds {
  readonly partition: number;
  readonly high: number;
  readonly low: number;
}

/**
 * What a group has not acknowledged of `topic`, from offsets either Kafka client fetched: per
 * partition, the end offset minus the committed one (or the earliest still there, when
 * retention removed more), less `ackedAhead`. A partition without a committed offset counts 0,
 * or from its earliest offset with `uncommittedFromEarliest`.
 *
 * @example
 * ```ts
 * const lag = partitionLag('rendezvous.requests', new Map([[0, 5]]), [{ partition: 0, high: 9, low: 0 }], () => 0);
 * ```
 */
export function partitionLag(
  topic: string,
  committed: ReadonlyMap<number, number>,
  ends: Iterable<PartitionEnds>,
  ackedAhead: AckedAhead,
  uncommittedFromEarliest = false,
): number {
  let lag = 0;
  for (const { partition, high, low } of ends) {
    const at = committed.get(partition) ?? -1;
    if (at < 0 && !uncommittedFromEarliest) continue;
    const from = Math.max(at, low);
    if (high > from) lag += high - from - ackedAhead(topic, partition, from, high);
  }
  return lag;
}
