import type { Admin } from 'kafkajs';

/** Acknowledged offsets in `[from, to)` of a partition that no commit covers yet. */
export type AckedAhead = (topic: string, partition: number, from: number, to: number) => number;

/**
 * What group `groupId` has not acknowledged of `topic`: per partition, the end offset minus
 * the committed offset (or the earliest offset still there, when retention removed more), less
 * the offsets in that range a member of this process acknowledged after one it still holds
 * (`ackedAhead`; Kafka commits a contiguous prefix, so those are not committed yet). Those of
 * members in other processes are not known here and count until their next commit. A partition
 * where the group has no committed offset counts 0 (a group that does not exist), or, with
 * `uncommittedFromEarliest` (a reply topic a tap group reads from its beginning), from its
 * earliest offset.
 *
 * @example
 * ```ts
 * const lag = await topicLag(admin, 'rendezvous.decoy', 'rendezvous.requests', () => 0);
 * ```
 */
export async function topicLag(
  admin: Admin,
  groupId: string,
  topic: string,
  ackedAhead: AckedAhead,
  uncommittedFromEarliest = false,
): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map(
    (offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
  );
  let lag = 0;
  for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
    const at = committed.get(partition) ?? -1;
    if (at < 0 && !uncommittedFromEarliest) continue;
    const from = Math.max(at, Number(low));
    const to = Number(high);
    if (to > from) lag += to - from - ackedAhead(topic, partition, from, to);
  }
  return lag;
}
