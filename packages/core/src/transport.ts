import type { Observable } from 'rxjs';

/**
 * What a transport guarantees beyond the contract every transport meets. The core and the
 * conformance suite branch on these flags; a transport never ships a method that does nothing.
 *
 * @example
 * ```ts
 * if (!transport.capabilities.durable) log.warn('messages are lost if this process dies');
 * ```
 */
export interface TransportCapabilities {
  /** Messages survive the crash of the publishing and consuming processes (a broker holds them). */
  readonly durable: boolean;
  /** Several processes (or machines) can share the transport. */
  readonly multiProcess: boolean;
  /** Messages with the same key reach a group in the order they were published. */
  readonly orderedByKey: boolean;
  /** Unacknowledged deliveries of a member that leaves or dies are delivered again to another member. */
  readonly redeliversUnacked: boolean;
  /** `consume(REPLY_TAP, ...)` lets a group (archivers) read the replies sent to every return address. */
  readonly replyTap: boolean;
  /**
   * The transport carries the `envelope` object of an {@link OutgoingMessage} to its readers
   * as is, in-process (the memory transport). The core then sends sealed envelope objects,
   * frozen JSON snapshots, and skips the JSON text round trip; `payload` still reads as the same
   * text. Absent or false (every transport that crosses a process): text only, as before.
   */
  readonly envelopes?: boolean;
  /**
   * The transport implements {@link Transport.groupLag}: it can tell how much of a stream a
   * group has not acknowledged yet. Absent or false: it cannot, and `groupLag` is absent too
   * (an archiver's `drain({ caughtUp: true })` then settles only what it has received).
   */
  readonly groupLag?: boolean;
}

/**
 * A message to publish or send. `payload` is the serialised envelope; `key` (usually the
 * request id) picks the partition on partitioned transports.
 *
 * @example
 * ```ts
 * const m: OutgoingMessage = { key: 'r1', payload: '{"v":1}' };
 * ```
 */
export interface OutgoingMessage {
  readonly key?: string;
  readonly payload: string;
  /**
   * The envelope as a frozen object, set by the core only for a transport with
   * `capabilities.envelopes`. `payload` is then computed on first read (once): a transport that
   * reads it gets the text as always. A transport that carries `envelope` hands it on unchanged
   * as {@link IncomingMessage.envelope}; any other transport ignores it.
   */
  readonly envelope?: unknown;
}

/**
 * A message received without acknowledgement (replies and broadcasts).
 *
 * @example
 * ```ts
 * channel.messages.subscribe((m) => console.log(m.payload));
 * ```
 */
export interface IncomingMessage {
  /** The stream, address or channel it came from. */
  readonly source: string;
  /** Transport-specific message id (unique within `source`). */
  readonly id: string;
  readonly key?: string;
  readonly payload: string;
  /**
   * The sender's envelope object, on a transport with `capabilities.envelopes` when the sender
   * set one; read-only. The core trusts only envelopes its own `sealEnvelope` made in this
   * process and decodes `payload` otherwise.
   */
  readonly envelope?: unknown;
}

/**
 * A message consumed as a member of a group. It stays pending until `ack()` resolves; if the
 * member leaves or dies first, a transport with `redeliversUnacked` delivers it again.
 *
 * @example
 * ```ts
 * transport.consume('requests', { group: 'model:dt@1', consumer: 'dt-a' })
 *   .subscribe(async (d) => { await handle(d.payload); await d.ack(); });
 * ```
 */
export interface Delivery extends IncomingMessage {
  /** 1 on first delivery; higher on redelivery. */
  readonly deliveryCount: number;
  /** Acknowledges the message. Acking twice is harmless. */
  ack(): Promise<void>;
  /**
   * Hands the message back without acknowledging it, for a failure that may pass (a reply that
   * cannot be sent now, a sink that is down). The member gives up the message and its prefetch
   * credit at once, and the transport delivers it again, with a higher `deliveryCount`, to this
   * member or another, no sooner than `delayMs` (default 0) later. A member that is alive must
   * never hold a delivery for ever: every delivery ends in `ack()` or `release()`.
   *
   * Releasing after `ack()` (or twice) is harmless and changes nothing.
   */
  release(options?: ReleaseOptions): Promise<void>;
}

/**
 * Options of {@link Delivery.release}.
 *
 * @example
 * ```ts
 * await delivery.release({ delayMs: 500 }); // delivered again in half a second or later
 * ```
 */
export interface ReleaseOptions {
  /** Earliest redelivery, in ms from now. Default 0. */
  readonly delayMs?: number;
}

/**
 * Options for consuming a stream as a member of a consumer group.
 *
 * @example
 * ```ts
 * const opts: ConsumeOptions = { group: 'decoy', consumer: 'decoy-1', prefetch: 64 };
 * ```
 */
export interface ConsumeOptions {
  /** Every group sees every message published after the group was created. */
  readonly group: string;
  /** Stable member name within the group; members share the group's messages. */
  readonly consumer: string;
  /**
   * Most deliveries this member holds unacknowledged at once; the transport stops reading
   * when it is reached. Defaults to a transport-specific value.
   */
  readonly prefetch?: number;
}

/**
 * A private return address owned by one front-end instance. Only this instance receives what
 * is sent to `address`.
 *
 * @example
 * ```ts
 * const channel = await transport.openReplyChannel();
 * channel.messages.subscribe((m) => dispatch(m.payload));
 * ```
 */
export interface ReplyChannel {
  /** The address to put in `replyTo`. */
  readonly address: string;
  /** Replies sent to this address. Completes when the channel or the transport closes. */
  readonly messages: Observable<IncomingMessage>;
  /** Stops receiving and releases the address. */
  close(): Promise<void>;
}

/**
 * The primitives the core needs from a broker, and nothing else. Serialisation, validation,
 * retries, in-flight limits and dead letters live in the core.
 *
 * Contract (checked by the conformance suite):
 * - `publish` resolves once the broker has accepted the message.
 * - `consume` returns a cold Observable: subscribing joins the group, unsubscribing leaves
 *   it. Every group sees every message published after `ensureGroup` resolved (or after it was
 *   first joined); members share them.
 * - A reply sent to an address reaches only the channel that owns it, with one broker write.
 * - `broadcast` reaches every current `listen`er of the channel (best effort, not stored).
 * - With `capabilities.groupLag`, `groupLag` counts what a group has not acknowledged.
 * - After `close`, Observables complete, timers are released and every call rejects with
 *   `TransportClosedError`.
 *
 * @example
 * ```ts
 * const transport: Transport = new MemoryTransport();
 * await transport.publish('requests', { key: 'r1', payload: '...' });
 * ```
 */
export interface Transport {
  /** Short name for logs and metrics, such as `memory`, `redis`, `kafka`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  /** Appends a message to a stream. */
  publish(stream: string, message: OutgoingMessage): Promise<void>;
  /**
   * Creates `group` on `stream` if it does not exist, positioned at the end of the stream:
   * the group sees every message published after this resolves. Idempotent.
   */
  ensureGroup(stream: string, group: string): Promise<void>;
  /** Consumes a stream (or {@link REPLY_TAP}) as a member of a group. */
  consume(stream: string, options: ConsumeOptions): Observable<Delivery>;
  /** Opens this instance's private return address. */
  openReplyChannel(): Promise<ReplyChannel>;
  /** Sends a message to a return address. */
  reply(address: string, message: OutgoingMessage): Promise<void>;
  /** Sends a short-lived signal (heartbeats) to every current listener of `channel`. */
  broadcast(channel: string, payload: string): Promise<void>;
  /** Listens to a broadcast channel. */
  listen(channel: string): Observable<IncomingMessage>;
  /**
   * How many messages of `stream` (or {@link REPLY_TAP}) `group` has not acknowledged yet: those
   * published after the group was created and not yet delivered to any member, plus those
   * delivered (or handed back with `release`) but not acknowledged. A message that was trimmed
   * away before the group read it no longer counts. 0 means the group has acknowledged
   * everything the stream holds for it: its members have caught up.
   *
   * Present exactly when `capabilities.groupLag` is true; branch on the flag. Counts are exact
   * on a quiet stream; while messages are published or acked concurrently it is a snapshot.
   * A group that does not exist yet has lag 0. Rejects with `TransportClosedError` after `close`.
   */
  groupLag?(stream: string, group: string): Promise<number>;
  /** Releases every connection, subscription and timer. Idempotent. */
  close(): Promise<void>;
}

/**
 * The logical stream of every reply sent to every return address. Archivers consume it as a
 * group when `capabilities.replyTap` is true; each transport maps it onto its own storage.
 *
 * @example
 * ```ts
 * await transport.ensureGroup(REPLY_TAP, 'score-archiver');
 * transport.consume(REPLY_TAP, { group: 'score-archiver', consumer: 'a-1' });
 * ```
 */
export const REPLY_TAP = '@replies';

/**
 * The stream and channel names the core uses by default. Override them per component.
 *
 * @example
 * ```ts
 * new ModelWorker({ transport, model, predict, streams: { ...DEFAULT_STREAMS, requests: 'iris-requests' } });
 * ```
 */
export const DEFAULT_STREAMS = {
  /** Where front ends publish requests. */
  requests: 'requests',
  /** Where invalid messages go. */
  deadLetter: 'dead-letter',
  /** Worker heartbeats. */
  heartbeats: 'heartbeats',
  /** Where front ends publish their final results, when `publishResults` is on. */
  results: 'results',
  /** The control channel (broadcast): policy specs for front ends, `retire` for workers. */
  control: 'control',
} as const;

/**
 * Names of the streams and channels a component uses.
 *
 * @example
 * ```ts
 * const streams: StreamNames = { ...DEFAULT_STREAMS, requests: 'iris-requests' };
 * ```
 */
export type StreamNames = { readonly [K in keyof typeof DEFAULT_STREAMS]: string };
