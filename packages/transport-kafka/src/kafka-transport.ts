import type * as core from '@rendezvous-ml/core';
import { ConfigurationError, REPLY_TAP } from '@rendezvous-ml/core';
import { brokerCapabilities } from '@rendezvous-ml/core/transport';
import type { Observable } from 'rxjs';
import { BroadcastListeners } from './broadcast-listeners.js';
import { closeKafkaParts } from './close-kafka-parts.js';
import { topicLag } from './group-lag.js';
import { GroupMember } from './group-member.js';
import type { GroupMemberOptions } from './group-member-options.js';
import { type KafkaConnection, KafkaConnector } from './kafka-connector.js';
import type { KafkaContext } from './kafka-context.js';
import { KafkaLogger } from './kafka-logger.js';
import type { KafkaTransportOptions } from './kafka-transport-options.js';
import { OpenWork } from './open-work.js';
import { requirePositiveIntegers } from './positive-integers.js';
import { randomId } from './random-id.js';
import { RedeliveryCounter } from './redelivery-counter.js';
import { ReplyChannels } from './reply-channels.js';
import { ReplyTap } from './reply-tap.js';
import { StreamSetup } from './stream-setup.js';
import { TopicAdmin } from './topic-admin.js';
import { TopicNames } from './topic-names.js';
import { TransportMembers } from './transport-members.js';
import { TransportOps } from './transport-ops.js';

/**
 * The Kafka transport, on kafkajs: the engine for more than one machine.
 *
 * - Streams are topics created by an admin step (never auto-created) with `partitions`
 *   partitions; messages are keyed by request id.
 * - Each consumer group is a Kafka consumer group; every `consume()` subscription is one member
 *   (one kafkajs consumer). Offsets are committed only for acknowledged messages.
 * - Each return address is a one-partition reply topic of its own (`<prefix>__reply.<id>`), read
 *   only by the instance that opened it; a score costs one broker write. Archivers read every
 *   reply topic through their own group (`REPLY_TAP`).
 * - Broadcasts go to a one-partition topic per channel, read from the end by each listener.
 *
 * See docs/transports/kafka.md for the design, delivery guarantees and a scaling guide.
 *
 * @example
 * ```ts
 * const transport = new KafkaTransport({ brokers: ['127.0.0.1:9092'], clientId: 'iris' });
 * const frontEnd = new Rendezvous({ transport, policy: priority({ order: ['dt', 'lr'] }) });
 * await frontEnd.start();
 * const result = await frontEnd.request({ features: [5.1, 3.5, 1.4, 0.2] });
 * await frontEnd.close();
 * await transport.close();
 * ```
 */
export class KafkaTransport implements core.Transport {
  readonly name = 'kafka';
  readonly capabilities: core.TransportCapabilities = brokerCapabilities({ groupLag: true });
  /** How logical names map to topics and groups. */
  private readonly names: TopicNames;
  private readonly partitions: number;
  private readonly defaultPrefetch: number;
  private readonly logger: KafkaLogger;
  private readonly work = new OpenWork();
  private readonly connector: KafkaConnector;
  private readonly ops: TransportOps;
  private readonly redeliveries = new RedeliveryCounter();
  private readonly topics: TopicAdmin;
  private readonly tap: ReplyTap;
  private readonly replyChannels: ReplyChannels;
  private readonly listeners: BroadcastListeners;
  private closing: Promise<void> | undefined;
  private readonly members = new TransportMembers<GroupMember>(this.work);
  private readonly setup: StreamSetup<KafkaConnection>;

  constructor(options: KafkaTransportOptions) {
    if (!options.kafka && !options.brokers)
      throw new ConfigurationError('KafkaTransport needs `brokers` or a `kafka` instance');
    this.names = new TopicNames(options.topicPrefix ?? 'rendezvous.');
    this.partitions = options.partitions ?? 8;
    this.defaultPrefetch = options.defaultPrefetch ?? 256;
    const replicationFactor = options.replicationFactor ?? 1;
    this.topics = new TopicAdmin(replicationFactor);
    this.logger = new KafkaLogger(options);
    this.connector = new KafkaConnector(options, this.logger, () => this.work.closed);
    this.ops = new TransportOps(this.connector, () => this.work.closed, options);
    const ctx: KafkaContext = {
      names: this.names,
      topics: this.topics,
      ops: this.ops,
      work: this.work,
      connector: this.connector,
      logger: this.logger,
    };
    this.tap = new ReplyTap(ctx, options.replyTapRefreshMs ?? 2000);
    this.setup = new StreamSetup<KafkaConnection>({
      names: this.names,
      topics: this.topics,
      partitions: this.partitions,
      tapGroups: this.members.tapGroups,
      positionTap: (c, groupId) => this.tap.positionAtEnd(c, groupId),
    });
    this.listeners = new BroadcastListeners(ctx);
    this.replyChannels = new ReplyChannels(ctx, options.instanceId ?? randomId(), this.tap);
    requirePositiveIntegers({
      partitions: this.partitions,
      replicationFactor,
      defaultPrefetch: this.defaultPrefetch,
    });
  }

  /**
   * Appends a message. A topic created a moment ago (its partitions not hosted yet) or a broker
   * not up yet is waited out, with backoff, within `sendTimeoutMs`.
   */
  async publish(stream: string, message: core.OutgoingMessage): Promise<void> {
    await this.ops.send(`publish to ${stream}`, async (c) =>
      this.send(c, await this.setup.topicOf(c, stream), message),
    );
  }

  /**
   * Creates the topic if needed and positions a new group at its end. Transient broker states
   * (a topic whose metadata has not propagated yet, a group coordinator still loading, a broker
   * not up yet) are retried with backoff for up to `setupTimeoutMs`; then it rejects with a
   * retryable `ConnectionLostError`. Authentication and configuration errors reject at once.
   */
  async ensureGroup(stream: string, group: string): Promise<void> {
    await this.ops.setup(`ensureGroup ${group} on ${stream}`, (c) =>
      this.setup.ensureGroup(c, stream, group),
    );
  }

  consume(stream: string, options: core.ConsumeOptions): Observable<core.Delivery> {
    const tap = stream === REPLY_TAP;
    const groupId = this.names.group(options.group);
    return this.work.track<core.Delivery>((subscriber) => {
      const member = new GroupMember({
        kafka: () => this.connector.current!.kafka,
        groupId,
        ...(tap ? this.tap.memberSource() : this.streamSource(stream, options.group, groupId)),
        prefetch: options.prefetch ?? this.defaultPrefetch,
        fromBeginning: true,
        consumerConfig: this.connector.consumerConfig(),
        subscriber,
        redeliveries: this.redeliveries,
        log: this.logger.warn,
        isClosed: () => this.work.closed,
        evict: this.connector.evict,
      });
      if (tap) this.tap.add(member);
      const teardown = this.members.run(member, tap);
      return () => {
        this.tap.delete(member);
        teardown();
      };
    });
  }

  /**
   * End offsets minus committed offsets, summed over the stream's partitions (every reply topic
   * for {@link REPLY_TAP}). The members of this transport commit what they acknowledged first,
   * and what they acknowledged after a message they still hold is not counted; members in other
   * processes commit right after each ack, so theirs count only until that commit lands. A tap
   * group declared or consumed here counts a reply topic it has no offset on from its beginning
   * (where its members will read it); one declared only elsewhere counts such a topic as 0.
   */
  async groupLag(stream: string, group: string): Promise<number> {
    const groupId = this.names.group(group);
    const tap = stream === REPLY_TAP;
    return this.members.lag(this.ops, `groupLag ${group} on ${stream}`, groupId, tap, {
      topics: async (c) => (tap ? this.tap.topics(c) : [this.names.stream(stream)]),
      topicLag: (c, topic, ahead, earliest) => topicLag(c.admin, groupId, topic, ahead, earliest),
    });
  }

  openReplyChannel(): Promise<core.ReplyChannel> {
    return this.replyChannels.open();
  }

  async reply(address: string, message: core.OutgoingMessage): Promise<void> {
    await this.ops.send(`reply to ${address}`, (c) => this.send(c, address, message));
  }

  async broadcast(channel: string, payload: string): Promise<void> {
    await this.ops.send(`broadcast on ${channel}`, async (c) => {
      const topic = this.names.broadcast(channel);
      await this.topics.ensureTopic(c, topic, 1);
      await this.send(c, topic, { payload });
    });
  }

  listen(channel: string): Observable<core.IncomingMessage> {
    return this.listeners.listen(channel);
  }

  async close(): Promise<void> {
    this.closing ??= closeKafkaParts(this.work, this.replyChannels, this.listeners, this.connector);
    return this.closing;
  }

  /** What a member of `group` on `stream` reads: the stream's topic, set up before each join. */
  private streamSource(
    stream: string,
    group: string,
    groupId: string,
  ): Pick<GroupMemberOptions, 'topics' | 'sourceOf'> {
    return {
      topics: () =>
        this.ops.setup(`join ${group} on ${stream}`, async (c) => {
          const topic = this.names.stream(stream);
          await this.topics.ensureTopic(c, topic, this.partitions);
          await this.topics.positionAtEnd(c, groupId, topic);
          return [topic];
        }),
      sourceOf: () => stream,
    };
  }

  private send(c: KafkaConnection, topic: string, message: core.OutgoingMessage): Promise<unknown> {
    return c.sends.send(topic, message.key ?? null, message.payload);
  }
}
