import { randomUUID } from 'node:crypto';
import type * as core from '@rendezvous-ml/core';
import { REPLY_TAP, TransportClosedError } from '@rendezvous-ml/core';
import * as kit from '@rendezvous-ml/core/transport';
import type { Redis } from 'ioredis';
import type { Observable, Subscriber } from 'rxjs';
import { BroadcastListeners } from './broadcast-listeners.js';
import { createGroup, GroupCommands } from './group-commands.js';
import { type ConsumedStreams, GroupConsumer } from './group-consumer.js';
import { groupLagOf } from './group-lag.js';
import { RedisConnections, secretsOf } from './redis-connections.js';
import { RedisKeys } from './redis-keys.js';
import { RedisReplyChannel } from './redis-reply-channel.js';
import type { RedisTransportOptions } from './redis-transport-options.js';
import type { RedisTransportStats } from './redis-transport-stats.js';
import { ReplyTap } from './reply-tap.js';
import { xaddArgs } from './stream-entry.js';
import { toTransportError } from './to-transport-error.js';

/**
 * The Redis Streams transport. Each consumer group is a stream group; each member reads with
 * `XREADGROUP ... BLOCK` on a connection of its own and acknowledges with `XACK`; entries a dead
 * member left pending are claimed after `claimIdleMs`. Each front-end instance reads its replies
 * from a stream of its own (one `XADD` per reply), and archivers read every reply through
 * {@link REPLY_TAP}. Streams are trimmed with `MAXLEN ~`. Connections come back after Redis
 * restarts; while Redis is down, calls fail with `ConnectionLostError` (retryable).
 *
 * @example
 * ```ts
 * const transport = new RedisTransport({ url: 'redis://127.0.0.1:6379', keyPrefix: 'iris:' });
 * const worker = new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict });
 * await worker.start();
 * // ...
 * await worker.stop();
 * await transport.close();
 * ```
 */
export class RedisTransport implements core.Transport {
  readonly name = 'redis';
  readonly capabilities: core.TransportCapabilities = kit.brokerCapabilities({ groupLag: true });
  /** Errors met in the background (lost connections, failed reads). Completes on `close()`. */
  readonly errors$: Observable<core.RendezvousError>;

  private readonly keys: RedisKeys;
  private readonly maxLen: number;
  private readonly replyMaxLen: number;
  private readonly claimIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly blockMs: number;
  private readonly tapRefreshMs: number;
  private readonly tap: ReplyTap;
  private readonly broadcasts: BroadcastListeners;
  private readonly defaultPrefetch: number;
  private readonly replyTtlMs: number;
  private readonly errors: kit.TransportErrors;
  private readonly connections: RedisConnections;
  private readonly counters = {
    published: 0,
    replies: 0,
    malformedEntries: 0,
    claimedEntries: 0,
    repliesToClosedAddresses: 0,
  };
  private readonly consumers = new kit.GroupMembers<GroupConsumer>();
  private readonly channels = new Set<RedisReplyChannel>();
  private closed = false;

  constructor(options: RedisTransportOptions = {}) {
    this.keys = new RedisKeys(options.keyPrefix ?? 'rdv:');
    this.maxLen = kit.positiveOption('maxLen', options.maxLen, 100_000);
    this.replyMaxLen = kit.positiveOption('replyMaxLen', options.replyMaxLen, 10_000);
    this.claimIdleMs = kit.positiveOption('claimIdleMs', options.claimIdleMs, 30_000);
    this.claimIntervalMs = kit.positiveOption('claimIntervalMs', options.claimIntervalMs, 5_000);
    this.blockMs = kit.positiveOption('blockMs', options.blockMs, 2_000);
    this.tapRefreshMs = kit.positiveOption('tapRefreshMs', options.tapRefreshMs, 1_000);
    this.defaultPrefetch = kit.positiveOption('defaultPrefetch', options.defaultPrefetch, 64);
    this.replyTtlMs = kit.positiveOption('replyTtlMs', options.replyTtlMs, 30_000);
    const closed = (): boolean => this.closed;
    this.errors = kit.TransportErrors.of(toTransportError, secretsOf(options), closed);
    this.connections = new RedisConnections(options, this.errors, closed, (e) =>
      this.endSubscriptions(e),
    );
    this.errors$ = this.errors.errors$;
    this.tap = new ReplyTap(this.keys, this.replyTtlMs, this.connections, this.errors);
    this.broadcasts = new BroadcastListeners(this.keys, this.connections, this.errors, closed);
  }

  /** Counters for metrics. */
  stats(): RedisTransportStats {
    return { ...this.counters, ...this.errors.counts };
  }

  async publish(stream: string, message: core.OutgoingMessage): Promise<void> {
    const command = await this.connections.connect();
    const target = { key: this.keys.stream(stream), maxLen: this.maxLen, createStream: true };
    await this.errors.wrap('publish', () => command.call('XADD', ...xaddArgs(target, message)));
    this.counters.published++;
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    const command = await this.connections.connect();
    await this.errors.wrap('ensureGroup', () =>
      stream === REPLY_TAP
        ? this.tap.ensureGroup(command, group)
        : createGroup(command, this.keys.stream(stream), group, '$', true),
    );
  }

  consume(stream: string, options: core.ConsumeOptions): Observable<core.Delivery> {
    return kit.whileOpen<core.Delivery>(
      () => this.closed,
      (subscriber) => {
        let left = false;
        this.connections.connect().then(
          (command) => {
            if (left) return;
            if (this.closed) {
              subscriber.complete();
              return;
            }
            const consumer = this.createConsumer(command, stream, options, subscriber);
            this.consumers.add(subscriber, consumer);
            consumer.start();
          },
          (error: unknown) => subscriber.error(this.errors.toError(error, 'consume')),
        );
        return () => {
          left = true;
          this.consumers.leave(subscriber);
        };
      },
    );
  }

  /** `XINFO GROUPS` `pending` + `lag` (entries counted when Redis reports no lag); see {@link core.Transport.groupLag}. */
  async groupLag(stream: string, group: string): Promise<number> {
    const command = await this.connections.connect();
    return this.errors.wrap('groupLag', () =>
      stream === REPLY_TAP
        ? this.tap.groupLag(command, group)
        : groupLagOf(command, this.keys.stream(stream), group),
    );
  }

  async openReplyChannel(): Promise<core.ReplyChannel> {
    const command = await this.connections.connect();
    const address = randomUUID();
    await this.errors.wrap('openReplyChannel', () => this.tap.createStream(command, address));
    if (this.closed) throw new TransportClosedError();
    this.tap.own(address);
    const reader = this.connections.duplicate(command);
    const channel: RedisReplyChannel = new RedisReplyChannel({
      address,
      key: this.keys.reply(address),
      reader,
      blockMs: this.blockMs,
      errors: this.errors,
      counts: this.counters,
      onClose: () => {
        this.channels.delete(channel);
        this.connections.release(reader);
        return this.tap.disown(command, address);
      },
    });
    this.channels.add(channel);
    return channel;
  }

  async reply(address: string, message: core.OutgoingMessage): Promise<void> {
    const command = await this.connections.connect();
    // Only to a stream that exists: an address whose stream expired after its front end closed
    // has nobody to read it (counted in repliesToClosedAddresses).
    const target = { key: this.keys.reply(address), maxLen: this.replyMaxLen, createStream: false };
    const id = await this.errors.wrap('reply', () =>
      command.call('XADD', ...xaddArgs(target, message)),
    );
    if (id === null) this.counters.repliesToClosedAddresses++;
    else this.counters.replies++;
  }

  async broadcast(channel: string, payload: string): Promise<void> {
    const command = await this.connections.connect();
    await this.errors.wrap('broadcast', () => command.publish(this.keys.channel(channel), payload));
  }

  listen(channel: string): Observable<core.IncomingMessage> {
    return this.broadcasts.listen(channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tap.stop();
    await kit.closeBrokerParts({
      members: this.consumers,
      broadcasts: this.broadcasts,
      channels: this.channels,
      withinMs: 2000,
      disconnect: () => this.connections.close(),
      errors: this.errors,
    });
  }

  private createConsumer(
    command: Redis,
    stream: string,
    options: core.ConsumeOptions,
    subscriber: Subscriber<core.Delivery>,
  ): GroupConsumer {
    const group = options.group;
    const streams: ConsumedStreams =
      stream === REPLY_TAP
        ? this.tap.streamsFor(command, group, this.tapRefreshMs)
        : fixedStream(command, this.keys.stream(stream), stream, group);
    return new GroupConsumer(
      {
        commands: new GroupCommands(
          command,
          this.connections.duplicate(command),
          group,
          options.consumer,
        ),
        streams,
        prefetch: options.prefetch ?? this.defaultPrefetch,
        blockMs: this.blockMs,
        claimIdleMs: this.claimIdleMs,
        claimIntervalMs: this.claimIntervalMs,
        errors: this.errors,
        counts: this.counters,
      },
      subscriber,
    );
  }

  /**
   * Redis refused the credentials (at connect, so on every connection; reported once, and no
   * connection reconnects): end every subscription with it. Retrying with the same credentials
   * cannot succeed, and looping would hide the cause behind timeouts.
   */
  private endSubscriptions(error: core.AuthenticationError): void {
    this.consumers.fail(error);
    this.broadcasts.fail(error);
  }
}

/** A stream of its own: the group is created on it (from the start when recovering). */
function fixedStream(command: Redis, key: string, stream: string, group: string): ConsumedStreams {
  return {
    sourceOf: () => stream,
    resolve: async (recovering) => {
      await createGroup(command, key, group, recovering ? '0' : '$', true);
      return [key];
    },
  };
}
