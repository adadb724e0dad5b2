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
 * A transport that forwards everything to another one and remembers which messages were
 * acknowledged, so a test can check that nothing acknowledged is missing from a sink.
 */
export class AckRecordingTransport implements Transport {
  /** Keys (`idOf(payload)`) of the messages acknowledged so far. */
  readonly acked = new Set<string>();

  constructor(
    private readonly inner: Transport,
    private readonly idOf: (payload: string) => string,
  ) {}

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
            this.acked.add(this.idOf(d.payload));
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
