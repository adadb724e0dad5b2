import type {
  ConsumeOptions,
  Delivery,
  IncomingMessage,
  OutgoingMessage,
  ReplyChannel,
  Transport,
  TransportCapabilities,
} from '@rendezvous-ml/core';
import { map, type Observable } from 'rxjs';

/**
 * A transport that delegates everything to another one and records each acknowledgement, in
 * order, once the inner `ack()` has resolved — so a test can check *when* something is acked
 * and that nothing acknowledged is missing from a sink.
 */
export class AckSpyTransport implements Transport {
  /** Ids of the acknowledged deliveries, in acknowledgement order. */
  readonly acked: string[] = [];
  /** Payloads of the acknowledged deliveries, in the same order. */
  readonly ackedPayloads: string[] = [];
  /** Ids of the deliveries handed back with `release()`, in order. */
  readonly released: string[] = [];

  constructor(private readonly inner: Transport) {}

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
    return this.inner.consume(stream, options).pipe(
      map(
        (d): Delivery => ({
          source: d.source,
          id: d.id,
          payload: d.payload,
          ...(d.key === undefined ? {} : { key: d.key }),
          deliveryCount: d.deliveryCount,
          ack: async () => {
            await d.ack();
            this.acked.push(d.id);
            this.ackedPayloads.push(d.payload);
          },
          release: async (options) => {
            await d.release(options);
            this.released.push(d.id);
          },
        }),
      ),
    );
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
