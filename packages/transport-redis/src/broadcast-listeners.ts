import type { IncomingMessage, RendezvousError } from '@rendezvous-ml/core';
import { ChannelListeners, type TransportErrors } from '@rendezvous-ml/core/transport';
import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import type { RedisConnections } from './redis-connections.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * The `listen` side of broadcasts: one pub/sub connection per transport (opened on first use),
 * one `SUBSCRIBE` per channel however many listen to it, `UNSUBSCRIBE` when the last one leaves.
 */
export class BroadcastListeners {
  private readonly listeners: ChannelListeners<IncomingMessage>;
  private connection: Redis | undefined;

  constructor(
    private readonly keys: RedisKeys,
    private readonly connections: RedisConnections,
    private readonly errors: TransportErrors,
    closed: () => boolean,
  ) {
    this.listeners = new ChannelListeners<IncomingMessage>(closed);
  }

  listen(channel: string): Observable<IncomingMessage> {
    const name = this.keys.channel(channel);
    return this.listeners.listen(name, {
      join: (subscriber, first) => {
        if (first)
          this.pubsub().then(
            (sub) => sub.subscribe(name).catch((e: unknown) => this.errors.reportRaw(e, 'listen')),
            (e: unknown) => subscriber.error(this.errors.toError(e, 'listen')),
          );
        return undefined;
      },
      empty: () => this.connection?.unsubscribe(name).catch(() => undefined),
    });
  }

  /** Completes every listener (the transport is closing). */
  complete(): void {
    this.listeners.complete();
    this.connection = undefined;
  }

  /** Ends every listener with `error`. */
  fail(error: RendezvousError): void {
    this.listeners.fail(error);
  }

  private async pubsub(): Promise<Redis> {
    const command = await this.connections.connect();
    if (!this.connection) {
      const sub = this.connections.duplicate(command);
      sub.on('message', (channel: string, message: string) => {
        if (!this.listeners.has(channel)) return;
        this.listeners.next(channel, {
          source: this.keys.channelOf(channel),
          id: this.listeners.nextId(),
          payload: message,
        });
      });
      this.connection = sub;
    }
    return this.connection;
  }
}
