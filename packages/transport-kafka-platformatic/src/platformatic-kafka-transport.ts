import {
  ConfigurationError,
  type ConsumeOptions,
  type Delivery,
  type IncomingMessage,
  type OutgoingMessage,
  REPLY_TAP,
  type ReplyChannel,
  type Transport,
  type TransportCapabilities,
} from '@rendezvous-ml/core';
import { brokerCapabilities } from '@rendezvous-ml/core/transport';
import {
  closeKafkaParts,
  OpenWork,
  RedeliveryCounter,
  randomId,
  requirePositiveIntegers,
  StreamSetup,
  TopicNames,
  TransportMembers,
  TransportOps,
} from '@rendezvous-ml/transport-kafka/kit';
import type { Observable } from 'rxjs';
import { PlatformaticBroadcastListeners } from './platformatic-broadcast-listeners.js';
import { type PlatformaticConnection, PlatformaticConnector } from './platformatic-connector.js';
import type { PlatformaticContext } from './platformatic-context.js';
import { PlatformaticGroupMember } from './platformatic-group-member.js';
import type { PlatformaticKafkaTransportOptions } from './platformatic-kafka-transport-options.js';
import type { GroupSettings, PlatformaticMemberOptions } from './platformatic-member-options.js';
import { PlatformaticReplyChannels } from './platformatic-reply-channels.js';
import { PlatformaticTopicAdmin } from './platformatic-topic-admin.js';
import { PlatformaticTopicReader } from './platformatic-topic-reader.js';
import { toPlatformaticError } from './to-platformatic-error.js';

/**
 * The Kafka transport on `@platformatic/kafka` (Node ≥ 22.22): the same topics, groups, return
 * addresses and guarantees as `KafkaTransport` (the kafkajs one), on a maintained client, with
 * every admin step (topic creation, group positioning, lag, evicting a crashed member) through
 * the client's public API. Both transports can serve one deployment: they name topics and
 * groups alike and speak the same records.
 *
 * - Streams are topics created explicitly with `partitions` partitions, keyed by request id.
 * - Each `consume()` subscription is one member of a Kafka consumer group (one consumer); offsets
 *   are committed only for acknowledged messages.
 * - Each return address is a one-partition reply topic of its own; archivers read every reply
 *   topic through their own group (`REPLY_TAP`).
 * - Broadcasts go to a one-partition topic per channel, read from the end by each listener.
 *
 * See docs/transports/kafka.md for which client to choose.
 *
 * @example
 * ```ts
 * const transport = new PlatformaticKafkaTransport({ brokers: ['127.0.0.1:9092'], clientId: 'iris' });
 * const frontEnd = new Rendezvous({ transport, policy: priority({ order: ['dt', 'lr'] }) });
 * await frontEnd.start();
 * await frontEnd.stop();
 * await transport.close();
 * ```
 */
export class PlatformaticKafkaTransport implements Transport {
  readonly name = 'kafka-platformatic';
  readonly capabilities: TransportCapabilities = brokerCapabilities({ groupLag: true });
  private readonly names: TopicNames;
  private readonly partitions: number;
  private readonly defaultPrefetch: number;
  private readonly replyTapRefreshMs: number;
  private readonly work = new OpenWork();
  private readonly connector: PlatformaticConnector;
  private readonly ops: TransportOps<PlatformaticConnection>;
  private readonly topics: PlatformaticTopicAdmin;
  private readonly redeliveries = new RedeliveryCounter();
  private readonly group: GroupSettings;
  private readonly ctx: PlatformaticContext;
  private readonly replyChannels: PlatformaticReplyChannels;
  private readonly listeners: PlatformaticBroadcastListeners;
  private readonly members = new TransportMembers<PlatformaticGroupMember>(this.work);
  private readonly setup: StreamSetup<PlatformaticConnection>;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PlatformaticKafkaTransportOptions) {
    if (!options.brokers || options.brokers.length === 0)
      throw new ConfigurationError('PlatformaticKafkaTransport needs `brokers`');
    this.names = new TopicNames(options.topicPrefix ?? 'rendezvous.');
    this.partitions = options.partitions ?? 8;
    this.defaultPrefetch = options.defaultPrefetch ?? 256;
    this.replyTapRefreshMs = options.replyTapRefreshMs ?? 2000;
    const replicationFactor = options.replicationFactor ?? 1;
    requirePositiveIntegers({
      partitions: this.partitions,
      replicationFactor,
      defaultPrefetch: this.defaultPrefetch,
    });
    this.topics = new PlatformaticTopicAdmin(replicationFactor);
    const admin = this.topics;
    this.setup = new StreamSetup<PlatformaticConnection>({
      names: this.names,
      topics: {
        ensureTopic: (c, topic, partitions) => admin.ensureTopic(c.admin, topic, partitions),
        positionAtEnd: (c, groupId, topic) => admin.positionAtEnd(c.admin, groupId, topic),
      },
      partitions: this.partitions,
      tapGroups: this.members.tapGroups,
      positionTap: async (c, groupId) => {
        for (const topic of await this.replyTopics(c))
          await admin.positionAtEnd(c.admin, groupId, topic);
      },
    });
    this.connector = new PlatformaticConnector(options, () => this.work.closed);
    this.ops = new TransportOps(
      this.connector,
      () => this.work.closed,
      options,
      toPlatformaticError,
    );
    this.group = {
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 500,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 10_000,
      maxWaitTime: options.maxWaitTimeMs ?? 250,
    };
    const warn = options.logger ?? ((m: string, e?: unknown) => console.warn(`[kafka] ${m}`, e));
    this.ctx = {
      names: this.names,
      topics: this.topics,
      ops: this.ops,
      work: this.work,
      connector: this.connector,
      group: this.group,
      warn,
      evict: this.evict,
      reader: (c, o) =>
        new PlatformaticTopicReader({
          ...o,
          kafka: c.kafka,
          client: this.connector.clientOptions('reader'),
          group: this.group,
          evict: this.evict,
          log: warn,
        }),
    };
    this.replyChannels = new PlatformaticReplyChannels(
      this.ctx,
      options.instanceId ?? randomId(),
      () => {
        for (const m of this.members.tapMembers()) m.refresh();
      },
    );
    this.listeners = new PlatformaticBroadcastListeners(this.ctx);
  }

  /** Appends a message; a topic just created or a broker not up yet is waited out within `sendTimeoutMs`. */
  async publish(stream: string, message: OutgoingMessage): Promise<void> {
    await this.ops.send(`publish to ${stream}`, async (c) =>
      this.send(c, await this.setup.topicOf(c, stream), message),
    );
  }

  /**
   * Creates the topic if needed and positions a new group at its end (an outside offset commit,
   * `Admin.alterConsumerGroupOffsets`). Transient broker states are retried for `setupTimeoutMs`.
   */
  async ensureGroup(stream: string, group: string): Promise<void> {
    await this.ops.setup(`ensureGroup ${group} on ${stream}`, (c) =>
      this.setup.ensureGroup(c, stream, group),
    );
  }

  consume(stream: string, options: ConsumeOptions): Observable<Delivery> {
    const tap = stream === REPLY_TAP;
    const groupId = this.names.group(options.group);
    return this.work.track<Delivery>((subscriber) => {
      const source: Pick<PlatformaticMemberOptions, 'topics' | 'sourceOf' | 'refreshMs'> = tap
        ? {
            topics: () => this.ops.setup(`consume ${REPLY_TAP}`, (c) => this.replyTopics(c)),
            sourceOf: (topic) => topic,
            refreshMs: this.replyTapRefreshMs,
          }
        : {
            topics: () =>
              this.ops.setup(`join ${options.group} on ${stream}`, async (c) => {
                const topic = this.names.stream(stream);
                await this.topics.ensureTopic(c.admin, topic, this.partitions);
                await this.topics.positionAtEnd(c.admin, groupId, topic);
                return [topic];
              }),
            sourceOf: () => stream,
          };
      const member = new PlatformaticGroupMember({
        kafka: () => this.connector.current!.kafka,
        client: this.connector.clientOptions('consumer'),
        group: this.group,
        groupId,
        ...source,
        prefetch: options.prefetch ?? this.defaultPrefetch,
        subscriber,
        redeliveries: this.redeliveries,
        evict: this.evict,
        log: this.ctx.warn,
        isClosed: () => this.work.closed,
      });
      return this.members.run(member, tap);
    });
  }

  /**
   * End offsets minus committed offsets, summed over the stream's partitions (every reply topic
   * for {@link REPLY_TAP}); this transport's members commit what they acknowledged first, and
   * what they acknowledged after a message they still hold is not counted.
   */
  async groupLag(stream: string, group: string): Promise<number> {
    const groupId = this.names.group(group);
    const tap = stream === REPLY_TAP;
    return this.members.lag(this.ops, `groupLag ${group} on ${stream}`, groupId, tap, {
      topics: async (c) => (tap ? this.replyTopics(c) : [this.names.stream(stream)]),
      topicLag: (c, topic, ahead, earliest) =>
        this.topics.lag(c.admin, groupId, topic, ahead, earliest),
    });
  }

  openReplyChannel(): Promise<ReplyChannel> {
    return this.replyChannels.openChannel();
  }

  async reply(address: string, message: OutgoingMessage): Promise<void> {
    await this.ops.send(`reply to ${address}`, (c) => this.send(c, address, message));
  }

  async broadcast(channel: string, payload: string): Promise<void> {
    await this.ops.send(`broadcast on ${channel}`, async (c) => {
      const topic = this.names.broadcast(channel);
      await this.topics.ensureTopic(c.admin, topic, 1);
      await this.send(c, topic, { payload });
    });
  }

  listen(channel: string): Observable<IncomingMessage> {
    return this.listeners.listen(channel);
  }

  async close(): Promise<void> {
    this.closing ??= closeKafkaParts(this.work, this.replyChannels, this.listeners, this.connector);
    return this.closing;
  }

  /** The reply topics there are now, sorted. */
  private async replyTopics(c: PlatformaticConnection): Promise<string[]> {
    const all = await c.admin.listTopics();
    return all.filter((t) => this.names.isReply(t)).sort();
  }

  /** Removes a failed consumer's member from its group in the background (see `evict`). */
  private readonly evict = (groupId: string, memberId: string): void => {
    if (this.work.closed) return;
    const limit = { setupTimeoutMs: (this.options.sessionTimeoutMs ?? 10_000) + 5000 };
    const ops = new TransportOps(
      this.connector,
      () => this.work.closed,
      limit,
      toPlatformaticError,
    );
    void ops
      .setup(`evict ${memberId} from ${groupId}`, (c) =>
        this.topics.evict(c.admin, groupId, memberId),
      )
      .catch(() => undefined);
  };

  private send(c: PlatformaticConnection, topic: string, message: OutgoingMessage): Promise<void> {
    return c.sends.send(topic, message.key ?? null, message.payload);
  }
}
