import type { Admin } from 'kafkajs';
import { type AckedAhead, partitionLag } from './partition-lag.js';

export type { AckedAhead } from './partition-lag.js';

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
  const ends = (await admin.fetchTopicOffsets(topic)).map((p) => ({
    partition: p.partition,
    high: Number(p.high),
    low: Number(p.low),
  }));
  return partitionLag(topic, committed, ends, ackedAhead, uncommittedFromEarliest);
}
