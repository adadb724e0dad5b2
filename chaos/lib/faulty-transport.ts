import {
  ConnectionLostError,
  type ConsumeOptions,
  type Delivery,
  type IncomingMessage,
  type OutgoingMessage,
  type ReplyChannel,
  type Transport,
  type TransportCapabilities,
} from '@rendezvous-ml/core';
import type { Observable } from 'rxjs';

/**
 * A transport that forwards everything to `inner`, except that `reply()` rejects (with a
 * retryable `ConnectionLostError`, as a lost connection would) while a fault window is open.
 * The member stays alive: its heartbeats and deliveries go on.
 *
 * @example
 * ```ts
 * const t = new FaultyTransport(new RedisTransport({ url }));
 * t.failRepliesFor(3000);
 * ```
 */
export class FaultyTransport implements Transport {
  private repliesFailUntil = 0;
  /** Replies refused by the fault. */
  refusedReplies = 0;

  constructor(private readonly inner: Transport) {}

  get name(): string {
    return this.inner.name;
  }
  get capabilities(): TransportCapabilities {
    return this.inner.capabilities;
  }

  /** Makes every `reply()` reject for the next `ms`. */
  failRepliesFor(ms: number): void {
    this.repliesFailUntil = Date.now() + ms;
  }

  reply(address: string, message: OutgoingMessage): Promise<void> {
    if (Date.now() < this.repliesFailUntil) {
      this.refusedReplies++;
      return Promise.reject(new ConnectionLostError('chaos: the reply path is down'));
    }
    return this.inner.reply(address, message);
  }
  publish(stream: string, message: OutgoingMessage): Promise<void> {
    return this.inner.publish(stream, message);
  }
  ensureGroup(stream: string, group: string): Promise<void> {
    return this.inner.ensureGroup(stream, group);
  }
  consume(stream: string, options: ConsumeOptions): Observable<Delivery> {
    return this.inner.consume(stream, options);
  }
  openReplyChannel(): Promise<ReplyChannel> {
    return this.inner.openReplyChannel();
  }
  broadcast(channel: string, payload: string): Promise<void> {
    return this.inner.broadcast(channel, payload);
  }
  listen(channel: string): Observable<IncomingMessage> {
    return this.inner.listen(channel);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
