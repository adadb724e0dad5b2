import { randomUUID } from 'node:crypto';
import type { Consumer } from '@nats-io/jetstream';
import type * as core from '@rendezvous-ml/core';
import { InvalidEnvelopeError, REPLY_TAP, TransportClosedError } from '@rendezvous-ml/core';
import * as kit from '@rendezvous-ml/core/transport';
import type { Observable } from 'rxjs';
import { BroadcastListeners } from './broadcast-listeners.js';
import { isNotFound, JetStreamTopology } from './jetstream-topology.js';
import { headersOf } from './nats-message.js';
import { isReturnAddress, NatsNames } from './nats-names.js';
import { NatsReplyChannel } from './nats-reply-channel.js';
import { type NatsLink, NatsSession, secretsOf } from './nats-session.js';
import type { NatsTransportOptions } from './nats-transport-options.js';
import type { NatsTransportStats } from './nats-transport-stats.js';
import { PullMember } from './pull-member.js';
import { toTransportError } from './to-transport-error.js';

/**
 * The NATS JetStream transport. Each logical stream is a JetStream stream (file storage,
 * trimmed by `max_age` and `max_msgs`); each consumer group is one durable pull consumer that
 * the group's members share, with explicit acks, redelivery after `ack_wait` and `nak` with a
 * delay for `release`. Every reply is one JetStream write to the replies stream, on the subject
 * of its return address: the front end that owns the address reads it with an ordered consumer,
 * and archivers read them all through {@link REPLY_TAP}. Broadcasts (heartbeats, control) are
 * core NATS. The connection reconnects for ever; while the server is down, calls fail with
 * `ConnectionLostError` (retryable) after at most `apiTimeoutMs`.
 *
 * @example
 * ```ts
 * const transport = new NatsTransport({ servers: 'nats://127.0.0.1:4222', prefix: 'iris' });
 * const decoy = new Decoy({ transport, sinks: [new RollingGzipJsonlSink({ directory: 'data/decoy' })] });
 * await decoy.start();
 * // ... the decoy archives every request as the models see it
 * await decoy.stop();
 * await transport.close();
 * ```
 */
export class NatsTransport implements core.Transport {
  readonly name = 'nats';
  // A group's members share one consumer: two messages of one key may be processed at once.
  readonly capabilities: core.TransportCapabilities = kit.brokerCapabilities({
    orderedByKey: false,
    groupLag: true,
  });
  /** Errors met in the background (lost connections, failed pulls). Completes on `close()`. */
  readonly errors$: Observable<core.RendezvousError>;

  private readonly names: NatsNames;
  private readonly topology: JetStreamTopology;
  private readonly session: NatsSession;
  private readonly errors: kit.TransportErrors;
  private readonly broadcasts: BroadcastListeners;
  private readonly ackWaitMs: number;
  private readonly fetchExpiresMs: number;
  private readonly defaultPrefetch: number;
  private readonly apiTimeoutMs: number;
  private readonly counters = { published: 0, replies: 0, malformedMessages: 0 };
  private readonly members = new kit.GroupMembers<PullMember>();
  private readonly channels = new Set<NatsReplyChannel>();
  private closed = false;

  constructor(options: NatsTransportOptions = {}) {
    this.names = new NatsNames(options.prefix ?? 'rdv');
    this.ackWaitMs = kit.positiveOption('ackWaitMs', options.ackWaitMs, 30_000);
    this.fetchExpiresMs = Math.max(
      1000,
      kit.positiveOption('fetchExpiresMs', options.fetchExpiresMs, 5000),
    );
    this.defaultPrefetch = kit.positiveOption('defaultPrefetch', options.defaultPrefetch, 64);
    this.apiTimeoutMs = kit.positiveOption('apiTimeoutMs', options.apiTimeoutMs, 5000);
    this.topology = new JetStreamTopology({
      maxAgeMs: kit.positiveOption('maxAgeMs', options.maxAgeMs, 24 * 3_600_000),
      maxMsgs: kit.positiveOption('maxMsgs', options.maxMsgs, 100_000),
      replyMaxAgeMs: kit.positiveOption('replyMaxAgeMs', options.replyMaxAgeMs, 3_600_000),
      replyMaxMsgs: kit.positiveOption('replyMaxMsgs', options.replyMaxMsgs, 100_000),
      storage: options.storage ?? 'file',
      replicas: kit.positiveOption('replicas', options.replicas, 1),
      ackWaitMs: this.ackWaitMs,
    });
    const closed = (): boolean => this.closed;
    this.errors = kit.TransportErrors.of(toTransportError, secretsOf(options), closed);
    this.errors$ = this.errors.errors$;
    this.session = new NatsSession(options, this.apiTimeoutMs, this.errors, closed);
    this.broadcasts = new BroadcastListeners(this.names, this.session, this.errors, closed);
  }

  /** Counters for metrics. */
  stats(): NatsTransportStats {
    return { ...this.counters, ...this.errors.counts };
  }

  async publish(stream: string, message: core.OutgoingMessage): Promise<void> {
    const link = await this.link('publish');
    const target = this.names.stream(stream);
    await this.write(link, 'publish', target, this.names.subject(stream), message, () =>
      this.topology.ensureStream(link, target, [this.names.subject(stream)]),
    );
    this.counters.published++;
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    const link = await this.link('ensureGroup');
    await this.errors.wrap('ensureGroup', () => this.ensureConsumer(link, stream, group));
  }

  consume(stream: string, options: core.ConsumeOptions): Observable<core.Delivery> {
    return kit.whileOpen<core.Delivery>(
      () => this.closed,
      (subscriber) => {
        const tap = stream === REPLY_TAP;
        const member = new PullMember(
          {
            consumer: (again) => this.consumerOf(stream, options.group, again),
            sourceOf: tap ? (subject) => this.names.addressOf(subject) : () => stream,
            prefetch: options.prefetch ?? this.defaultPrefetch,
            fetchExpiresMs: this.fetchExpiresMs,
            ackWaitMs: this.ackWaitMs,
            apiTimeoutMs: this.apiTimeoutMs,
            request: async (subject, payload) => {
              const link = await this.link('release');
              return link.nc.request(subject, payload, { timeout: this.apiTimeoutMs });
            },
            flush: async () => this.session.current?.nc.flush(),
            errors: this.errors,
            counts: this.counters,
          },
          subscriber,
        );
        this.members.add(subscriber, member);
        member.start();
        return () => this.members.leave(subscriber);
      },
    );
  }

  /** The group's consumer info: `num_pending` + `num_ack_pending`; see {@link core.Transport.groupLag}. */
  async groupLag(stream: string, group: string): Promise<number> {
    const link = await this.link('groupLag');
    const target = stream === REPLY_TAP ? this.names.repliesStream : this.names.stream(stream);
    return this.errors.wrap('groupLag', () =>
      this.topology.lagOf(link, target, this.names.consumer(group)),
    );
  }

  async openReplyChannel(): Promise<core.ReplyChannel> {
    const link = await this.link('openReplyChannel');
    const address = randomUUID().replaceAll('-', '');
    const stream = this.names.repliesStream;
    const afterSeq = await this.errors.wrap('openReplyChannel', async () => {
      await this.ensureReplies(link);
      return (await link.jsm.streams.info(stream)).state.last_seq;
    });
    if (this.closed) throw new TransportClosedError();
    const channel: NatsReplyChannel = new NatsReplyChannel({
      address,
      link,
      stream,
      subject: this.names.reply(address),
      afterSeq,
      errors: this.errors,
      counts: this.counters,
      reconnects: this.session.reconnects,
      onClose: () => this.channels.delete(channel),
    });
    this.channels.add(channel);
    channel.start();
    return channel;
  }

  async reply(address: string, message: core.OutgoingMessage): Promise<void> {
    const link = await this.link('reply');
    if (!isReturnAddress(address))
      throw new InvalidEnvelopeError(
        `"${address.slice(0, 80)}" is not a NATS return address`,
        'replyTo',
      );
    await this.write(
      link,
      'reply',
      this.names.repliesStream,
      this.names.reply(address),
      message,
      () => this.ensureReplies(link),
    );
    this.counters.replies++;
  }

  async broadcast(channel: string, payload: string): Promise<void> {
    const link = await this.link('broadcast');
    this.errors.wrapSync('broadcast', () => link.nc.publish(this.names.channel(channel), payload));
  }

  listen(channel: string): Observable<core.IncomingMessage> {
    return this.broadcasts.listen(channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await kit.closeBrokerParts({
      members: this.members,
      broadcasts: this.broadcasts,
      channels: this.channels,
      withinMs: 3000,
      disconnect: () => this.session.close(),
      errors: this.errors,
    });
  }

  private async link(operation: string): Promise<NatsLink> {
    if (this.closed) throw new TransportClosedError();
    const link = await this.session.connect();
    if (this.closed) throw new TransportClosedError(`transport is closed (nats ${operation})`);
    return link;
  }

  /**
   * One JetStream publish of `message` on `subject`, confirmed by the server. The stream is made
   * sure of first; if the server lost it (no stream answers the subject), it is created again
   * and the publish retried once.
   */
  private async write(
    link: NatsLink,
    operation: string,
    stream: string,
    subject: string,
    message: core.OutgoingMessage,
    ensure: () => Promise<void>,
  ): Promise<void> {
    const headers = headersOf(link.modules, message);
    const send = () =>
      link.js.publish(subject, message.payload, {
        timeout: this.apiTimeoutMs,
        ...(headers ? { headers } : {}),
      });
    await this.errors.wrap(operation, async () => {
      await ensure();
      try {
        await send();
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.topology.forget(stream);
        await ensure();
        await send();
      }
    });
  }

  private ensureReplies(link: NatsLink): Promise<void> {
    return this.topology.ensureStream(
      link,
      this.names.repliesStream,
      [this.names.repliesFilter],
      true,
    );
  }

  private async ensureConsumer(link: NatsLink, stream: string, group: string): Promise<string> {
    const durable = this.names.consumer(group);
    if (stream === REPLY_TAP) {
      await this.ensureReplies(link);
      await this.topology.ensureConsumer(
        link,
        this.names.repliesStream,
        durable,
        this.names.repliesFilter,
      );
      return this.names.repliesStream;
    }
    const target = this.names.stream(stream);
    await this.topology.ensureStream(link, target, [this.names.subject(stream)]);
    await this.topology.ensureConsumer(link, target, durable);
    return target;
  }

  /** The group's durable consumer, created (at the end of the stream) if it does not exist. */
  private async consumerOf(stream: string, group: string, again: boolean): Promise<Consumer> {
    const link = await this.link('consume');
    if (again)
      this.topology.forget(
        stream === REPLY_TAP ? this.names.repliesStream : this.names.stream(stream),
      );
    const target = await this.ensureConsumer(link, stream, group);
    return link.js.consumers.get(target, this.names.consumer(group));
  }
}
