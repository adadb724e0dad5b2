import type { IncomingMessage } from '@rendezvous-ml/core';
import { ChannelListeners, type TransportErrors, whileOpen } from '@rendezvous-ml/core/transport';
import type { Observable } from 'rxjs';
import { decodeMessage, toIncoming } from './nats-message.js';
import type { NatsNames } from './nats-names.js';
import type { NatsSession } from './nats-session.js';

/**
 * The `listen` side of broadcasts: a core NATS subscription per listener on the channel's
 * subject. Best effort, not stored, as the contract says (heartbeats, control).
 */
export class BroadcastListeners {
  private readonly listeners = new ChannelListeners<IncomingMessage>();
  private seq = 0;

  constructor(
    private readonly names: NatsNames,
    private readonly session: NatsSession,
    private readonly errors: TransportErrors,
    private readonly closed: () => boolean,
  ) {}

  listen(channel: string): Observable<IncomingMessage> {
    return whileOpen<IncomingMessage>(this.closed, (subscriber) => {
      this.listeners.add(channel, subscriber);
      let unsubscribe: (() => void) | undefined;
      let left = false;
      this.session.connect().then(
        (link) => {
          if (left || this.closed()) return;
          const sub = link.nc.subscribe(this.names.channel(channel), {
            callback: (error, msg) => {
              if (error) {
                this.errors.reportRaw(error, 'listen');
                return;
              }
              const id = String(++this.seq);
              subscriber.next(toIncoming(channel, id, decodeMessage(msg)));
            },
          });
          unsubscribe = () => sub.unsubscribe();
        },
        (error: unknown) => subscriber.error(this.errors.toError(error, 'listen')),
      );
      return () => {
        left = true;
        this.listeners.remove(channel, subscriber);
        unsubscribe?.();
      };
    });
  }

  /** Completes every listener (the transport is closing). */
  complete(): void {
    this.listeners.complete();
  }
}
