import { REPLY_TAP } from '@rendezvous-ml/core';
import type { TopicNames } from './topic-names.js';

/** How a client's admin creates a topic and places a new group at a topic's end, on connection `C`. */
export interface TopicPlacement<C> {
  ensureTopic(c: C, topic: string, partitions: number): Promise<boolean>;
  positionAtEnd(c: C, groupId: string, topic: string): Promise<void>;
}

/** What {@link StreamSetup} needs of its transport. */
export interface StreamSetupOptions<C> {
  readonly names: TopicNames;
  readonly topics: TopicPlacement<C>;
  readonly partitions: number;
  /** The transport's tap groups (`TransportMembers.tapGroups`): a tap group joins it. */
  readonly tapGroups: Set<string>;
  /** Places a new tap group at the end of every reply topic. */
  readonly positionTap: (c: C, groupId: string) => Promise<void>;
}

/**
 * The set-up steps of `publish` and `ensureGroup` that both Kafka transports share, whatever
 * their client: the stream's topic created if needed, a new group placed at its end (the tap's
 * group at the end of every reply topic).
 *
 * @example
 * ```ts
 * const setup = new StreamSetup({ names, topics, partitions: 8, tapGroups, positionTap });
 * await ops.setup('ensureGroup', (c) => setup.ensureGroup(c, 'requests', 'model:dt@1'));
 * ```
 */
export class StreamSetup<C> {
  constructor(private readonly options: StreamSetupOptions<C>) {}

  /** The topic of `stream`, created if needed. */
  async topicOf(c: C, stream: string): Promise<string> {
    const topic = this.options.names.stream(stream);
    await this.options.topics.ensureTopic(c, topic, this.options.partitions);
    return topic;
  }

  /** Creates the topic of `stream` if needed and places `group` at its end (if new). */
  async ensureGroup(c: C, stream: string, group: string): Promise<void> {
    const groupId = this.options.names.group(group);
    if (stream === REPLY_TAP) {
      this.options.tapGroups.add(groupId);
      return this.options.positionTap(c, groupId);
    }
    const topic = await this.topicOf(c, stream);
    await this.options.topics.positionAtEnd(c, groupId, topic);
  }
}
