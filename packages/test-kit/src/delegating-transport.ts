import type {
  ConsumeOptions,
  Delivery,
  IncomingMessage,
  OutgoingMessage,
  ReplyChannel,
  Transport,
  TransportCapabilities,
} from '@rendezvous-ml/core';
import type { Observable } from 'rxjs';

/**
 * A transport that forwards every call to `inner`. Test transports that break or observe one
 * call (a reply that fails, a spy on acks) extend it and override only that call, so nothing else
 * is mocked and no test repeats the forwarding.
 *
 * @example
 * ```ts
 * class RepliesDown extends DelegatingTransport {
 *   override reply(): Promise<void> { return Promise.reject(new ConnectionLostError('down')); }
 * }
 * ```
 */
export class DelegatingTransport implements Transport {
  constructor(protected readonly inner: Transport) {}
  get name(): string {
    return this.inner.name;
  }
  get capabilities(): TransportCapabilities {
    return this.inner.capabilities;
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
  /** Forwards to `inner`; present on every wrapper, meaningful when `capabilities.groupLag`. */
  groupLag(stream: string, group: string): Promise<number> {
    if (!this.inner.groupLag) return Promise.reject(new Error(`${this.name} has no groupLag`));
    return this.inner.groupLag(stream, group);
  }
  openReplyChannel(): Promise<ReplyChannel> {
    return this.inner.openReplyChannel();
  }
  reply(address: string, message: OutgoingMessage): Promise<void> {
    return this.inner.reply(address, message);
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
