import {
  type IncomingMessage,
  type RendezvousError,
  TransportClosedError,
} from '@rendezvous-ml/core';
import type { TransportErrors } from '@rendezvous-ml/core/transport';
import type { Redis } from 'ioredis';
import { Observable, type Subscriber } from 'rxjs';
import type { RedisConnections } from './redis-connections.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * The `listen` side of broadcasts: one pub/sub connection per transport (opened on first use),
 * one `SUBSCRIBE` per channel however many listen to it, `UNSUBSCRIBE` when the last one leaves.
 */
export class BroadcastListeners {
  private readonly listeners = new Map<string, Set<Subscriber<IncomingMessage>>>();
  private connection: Redis | undefined;
  private seq = 0;

  constructor(
    private readonly keys: RedisKeys,
    private readonly connections: RedisConnections,
    private readonly errors: TransportErrors,
    private readonly closed: () => boolean,
  ) {}

  listen(channel: string): Observable<IncomingMessage> {
    return new Observable<IncomingMessage>((subscriber) => {
      if (this.closed()) {
        subscriber.error(new TransportClosedError());
        return undefined;
      }
      const name = this.keys.channel(channel);
      let set = this.listeners.get(name);
      const first = !set;
      if (!set) {
        set = new Set();
        this.listeners.set(name, set);
      }
      set.add(subscriber);
      if (first) {
        this.pubsub().then(
          (sub) => sub.subscribe(name).catch((e: unknown) => this.errors.reportRaw(e, 'listen')),
          (e: unknown) => subscriber.error(this.errors.toError(e, 'listen')),
        );
      }
      return () => {
        const s = this.listeners.get(name);
        if (!s) return;
        s.delete(subscriber);
        if (s.size === 0) {
          this.listeners.delete(name);
          if (!this.closed()) this.connection?.unsubscribe(name).catch(() => undefined);
        }
      };
    });
  }

  /** Completes every listener (the transport is closing). */
  complete(): void {
    for (const set of this.listeners.values()) for (const s of set) s.complete();
    this.listeners.clear();
    this.connection = undefined;
  }

  /** Ends every listener with `error`. */
  fail(error: RendezvousError): void {
    for (const set of [...this.listeners.values()]) for (const s of [...set]) s.error(error);
  }

  private async pubsub(): Promise<Redis> {
    const command = await this.connections.connect();
    if (!this.connection) {
      const sub = this.connections.duplicate(command);
      sub.on('message', (channel: string, message: string) => {
        const set = this.listeners.get(channel);
        if (!set) return;
        const m: IncomingMessage = {
          source: this.keys.channelOf(channel),
          id: String(++this.seq),
          payload: message,
        };
        for (const s of set) s.next(m);
      });
      this.connection = sub;
    }
    return this.connection;
  }
}
