import type * as core from '@rendezvous-ml/core';
import { REPLY_TAP, TransportClosedError } from '@rendezvous-ml/core';
import { Observable, type Subscriber } from 'rxjs';
import { MemoryBroker, REPLY_TAP_STREAM } from './memory-broker.js';

/**
 * Options of {@link MemoryTransport}.
 *
 * @example
 * ```ts
 * const broker = new MemoryBroker();
 * const opts: MemoryTransportOptions = { broker, defaultPrefetch: 64 };
 * ```
 */
export interface MemoryTransportOptions {
  /**
   * The broker to connect to. Default: a new private broker, so two transports created without
   * one never see each other: pass one transport to every component, or one broker to each.
   */
  readonly broker?: MemoryBroker;
  /** Unacknowledged deliveries per member when `consume` is not given `prefetch`. Default 256. */
  readonly defaultPrefetch?: number;
  /**
   * Carry the core's sealed envelope objects instead of JSON text (`capabilities.envelopes`).
   * Default true; `false` gives the text path of transports that cross a process (for tests
   * and comparisons). Either way a reader of `payload` gets the same text.
   */
  readonly envelopes?: boolean;
}

/**
 * The in-memory transport: the embedded default for one process and for tests. It has real
 * consumer-group semantics (every group sees every message, members share them), explicit acks,
 * redelivery of unacknowledged messages when a member leaves, private return addresses, and a
 * reply tap for archivers. Nothing survives the process.
 *
 * @example
 * ```ts
 * const transport = new MemoryTransport();
 * const worker = new ModelWorker({ transport, model: { name: 'm', version: '1' }, predict: (x) => x });
 * const rendezvous = new Rendezvous({ transport, policy: first() });
 * await worker.start();
 * await rendezvous.start();
 * console.log((await rendezvous.request(42)).chosen?.output); // 42
 * ```
 */
export class MemoryTransport implements core.Transport {
  readonly name = 'memory';
  readonly capabilities: core.TransportCapabilities;
  /** The broker this transport is connected to. */
  readonly broker: MemoryBroker;
  private readonly defaultPrefetch: number;
  private readonly open = new Set<
    Subscriber<never> | Subscriber<core.Delivery> | Subscriber<core.IncomingMessage>
  >();
  private closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.broker = options.broker ?? new MemoryBroker();
    this.defaultPrefetch = options.defaultPrefetch ?? 256;
    this.capabilities = {
      durable: false,
      multiProcess: false,
      orderedByKey: true,
      redeliversUnacked: true,
      replyTap: true,
      envelopes: options.envelopes ?? true,
      groupLag: true,
    };
  }

  async publish(stream: string, message: core.OutgoingMessage): Promise<void> {
    this.assertOpen();
    this.broker.publish(stream, message);
  }

  consume(stream: string, options: core.ConsumeOptions): Observable<core.Delivery> {
    return this.track<core.Delivery>((subscriber) => {
      const leave = this.broker.join(
        stream === REPLY_TAP ? REPLY_TAP_STREAM : stream,
        options.group,
        options.consumer,
        options.prefetch ?? this.defaultPrefetch,
        subscriber,
        () => this.assertOpen(),
      );
      return leave;
    });
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    this.assertOpen();
    this.broker.ensureGroup(stream === REPLY_TAP ? REPLY_TAP_STREAM : stream, group);
  }

  async groupLag(stream: string, group: string): Promise<number> {
    this.assertOpen();
    return this.broker.groupLag(stream === REPLY_TAP ? REPLY_TAP_STREAM : stream, group);
  }

  async openReplyChannel(): Promise<core.ReplyChannel> {
    this.assertOpen();
    let address = '';
    let release: () => void = () => undefined;
    let owner: Subscriber<core.IncomingMessage> | undefined;
    const messages = new Observable<core.IncomingMessage>((subscriber) => {
      owner = subscriber;
      this.open.add(subscriber);
      return () => this.open.delete(subscriber);
    });
    // The address exists from now on, even before the first subscriber: replies are buffered
    // by nobody, so subscribe before publishing requests (the front end does).
    const relay: Partial<Subscriber<core.IncomingMessage>> = {
      next: (m: core.IncomingMessage) => owner?.next(m),
    };
    ({ address, release } = this.broker.openAddress(relay as Subscriber<core.IncomingMessage>));
    return {
      address,
      messages,
      close: async () => {
        release();
        owner?.complete();
      },
    };
  }

  async reply(address: string, message: core.OutgoingMessage): Promise<void> {
    this.assertOpen();
    this.broker.reply(address, message);
  }

  async broadcast(channel: string, payload: string): Promise<void> {
    this.assertOpen();
    this.broker.broadcast(channel, payload);
  }

  listen(channel: string): Observable<core.IncomingMessage> {
    return this.track<core.IncomingMessage>((subscriber) =>
      this.broker.listen(channel, subscriber),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.open]) s.complete();
    this.open.clear();
  }

  private track<T>(attach: (subscriber: Subscriber<T>) => () => void): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.closed) {
        subscriber.error(new TransportClosedError());
        return undefined;
      }
      const detach = attach(subscriber);
      this.open.add(subscriber);
      return () => {
        this.open.delete(subscriber);
        detach();
      };
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportClosedError();
  }
}
