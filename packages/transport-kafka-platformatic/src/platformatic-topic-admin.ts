import type { Admin } from '@platformatic/kafka';
import { type AckedAhead, partitionLag } from '@rendezvous-ml/transport-kafka/kit';

/** A broker error's name (`ProtocolError.apiId`) anywhere in the chain, aggregates included. */
function brokerErrors(error: unknown): Set<string> {
  const out = new Set<string>();
  const queue = [error];
  for (let i = 0; i < queue.length && i < 32; i++) {
    const e = queue[i] as { apiId?: unknown; errors?: unknown[]; cause?: unknown } | null;
    if (!e || typeof e !== 'object') continue;
    if (typeof e.apiId === 'string') out.add(e.apiId);
    queue.push(e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return out;
}

/**
 * The set-up steps and queries on topics and groups, through `@platformatic/kafka`'s public
 * `Admin` API only, each set-up step done once per transport however many callers ask at the
 * same time (a failed one is forgotten, so the caller's retry does it again):
 *
 * - creating a topic explicitly (never auto-created);
 * - positioning a new group at a topic's end: `alterConsumerGroupOffsets` is an OffsetCommit
 *   from outside the group (generation -1), which Kafka accepts while the group is empty; a group
 *   with live members refuses it, and already has a position;
 * - a group's lag, and removing a crashed member from its group
 *   (`removeMembersFromConsumerGroup`), so that its partitions move without waiting for its
 *   session to time out.
 *
 * @example
 * ```ts
 * const topics = new PlatformaticTopicAdmin(1);
 * await topics.ensureTopic(admin, 'rendezvous.requests', 8);
 * await topics.positionAtEnd(admin, 'rendezvous.model:dt@1', 'rendezvous.requests');
 * ```
 */
export class PlatformaticTopicAdmin {
  private readonly created = new Map<string, Promise<boolean>>();
  private readonly positioning = new Map<string, Promise<void>>();

  constructor(private readonly replicationFactor: number) {}

  /** Creates `topic` if it does not exist; resolves true if this call created it. */
  ensureTopic(admin: Admin, topic: string, partitions: number): Promise<boolean> {
    let known = this.created.get(topic);
    if (!known) {
      known = admin
        .createTopics({ topics: [topic], partitions, replicas: this.replicationFactor })
        .then(
          () => true,
          (error: unknown) => {
            if (brokerErrors(error).has('TOPIC_ALREADY_EXISTS')) return false;
            throw error;
          },
        );
      this.created.set(topic, known);
      known.catch(() => this.created.delete(topic));
    }
    return known;
  }

  /** Positions `groupId` at the end of `topic` where it has no committed offset yet. */
  positionAtEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
    const k = `${groupId}\u0000${topic}`;
    let p = this.positioning.get(k);
    if (!p) {
      p = this.commitEnds(admin, groupId, topic).finally(() => this.positioning.delete(k));
      this.positioning.set(k, p);
    }
    return p;
  }

  /**
   * What `groupId` has not acknowledged of `topic`: per partition, the end offset minus the
   * committed one (or the earliest still there), less `ackedAhead`. A partition without a
   * committed offset counts 0, or from its earliest offset when `uncommittedFromEarliest`.
   */
  async lag(
    admin: Admin,
    groupId: string,
    topic: string,
    ackedAhead: AckedAhead,
    uncommittedFromEarliest: boolean,
  ): Promise<number> {
    const { committed, high, low } = await this.offsets(admin, groupId, topic, true);
    const ends = [...high].map(([partition, end]) => ({
      partition,
      high: end,
      low: low.get(partition) ?? 0,
    }));
    return partitionLag(topic, committed, ends, ackedAhead, uncommittedFromEarliest);
  }

  /** Removes `memberId` from `groupId` (a crashed consumer's member); resolves true when gone. */
  async evict(admin: Admin, groupId: string, memberId: string): Promise<boolean> {
    try {
      await admin.removeMembersFromConsumerGroup({ groupId, members: [{ memberId }] });
      return true;
    } catch (error) {
      const known = brokerErrors(error);
      if (known.has('UNKNOWN_MEMBER_ID') || known.has('GROUP_ID_NOT_FOUND')) return true;
      throw error;
    }
  }

  private async commitEnds(admin: Admin, groupId: string, topic: string): Promise<void> {
    const { committed, high } = await this.offsets(admin, groupId, topic, false);
    const partitionOffsets = [...high]
      .filter(([partition]) => (committed.get(partition) ?? -1) < 0)
      .map(([partition, offset]) => ({ partition, offset: BigInt(offset) }));
    if (partitionOffsets.length === 0) return;
    try {
      await admin.alterConsumerGroupOffsets({
        groupId,
        topics: [{ name: topic, partitionOffsets }],
      });
    } catch (error) {
      const known = brokerErrors(error);
      // A group with live members refuses outside commits; it already has a position.
      if (
        ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS'].some((t) =>
          known.has(t),
        )
      )
        return;
      throw error;
    }
  }

  /** Per partition of `topic`: the group's committed offset (-1: none), the end and the start. */
  private async offsets(
    admin: Admin,
    groupId: string,
    topic: string,
    withStart: boolean,
  ): Promise<{
    committed: Map<number, number>;
    high: Map<number, number>;
    low: Map<number, number>;
  }> {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const indexes = Array.from({ length: count }, (_, i) => i);
    const at = (timestamp: bigint) =>
      admin.listOffsets({
        topics: [
          { name: topic, partitions: indexes.map((i) => ({ partitionIndex: i, timestamp })) },
        ],
      });
    const [groups, ends, starts] = await Promise.all([
      admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes: indexes }] }],
      }),
      at(-1n),
      withStart ? at(-2n) : Promise.resolve([]),
    ]);
    const committed = new Map<number, number>();
    for (const g of groups)
      for (const t of g.topics)
        if (t.name === topic)
          for (const p of t.partitions) committed.set(p.partitionIndex, Number(p.committedOffset));
    const byPartition = (listed: typeof ends) =>
      new Map(
        listed
          .filter((t) => t.name === topic)
          .flatMap((t) => t.partitions.map((p) => [p.partitionIndex, Number(p.offset)] as const)),
      );
    return { committed, high: byPartition(ends), low: byPartition(starts) };
  }
}
