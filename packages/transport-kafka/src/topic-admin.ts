import type { KafkaConnection } from './kafka-connector.js';

/**
 * The set-up steps on topics and groups, each done once per transport however many callers
 * ask at the same time: creating a topic (explicitly, never auto-created, and waiting until
 * its partitions have leaders) and positioning a new group at a topic's end. A failed step is
 * forgotten, so the caller's retry does it again.
 *
 * @example
 * ```ts
 * const topics = new TopicAdmin(1);
 * const created = await topics.ensureTopic(c, 'rendezvous.requests', 8);
 * await topics.positionAtEnd(c, 'rendezvous.model:dt@1', 'rendezvous.requests');
 * ```
 */
export class TopicAdmin {
  private readonly created = new Map<string, Promise<boolean>>();
  private readonly positioning = new Map<string, Promise<void>>();

  constructor(private readonly replicationFactor: number) {}

  /** Creates `topic` if it does not exist; resolves true if this call created it. */
  ensureTopic(c: KafkaConnection, topic: string, numPartitions: number): Promise<boolean> {
    let known = this.created.get(topic);
    if (!known) {
      known = c.admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions, replicationFactor: this.replicationFactor }],
      });
      this.created.set(topic, known);
      known.catch(() => this.created.delete(topic));
    }
    return known;
  }

  /** Positions `groupId` at the end of `topic` where it has no committed offset yet. */
  positionAtEnd(c: KafkaConnection, groupId: string, topic: string): Promise<void> {
    const k = `${groupId}\u0000${topic}`;
    let p = this.positioning.get(k);
    if (!p) {
      p = c.positioner.positionAtEnd(groupId, topic).finally(() => this.positioning.delete(k));
      this.positioning.set(k, p);
    }
    return p;
  }
}
