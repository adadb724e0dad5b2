import type { IncomingMessage } from '@rendezvous-ml/core';
import { ChannelListeners, type TransportErrors } from '@rendezvous-ml/core/transport';
import type { Observable } from 'rxjs';
import { decodeMessage, toIncoming } from './nats-message.js';
import type { NatsNames } from './nats-names.js';
import type { NatsSession } from './nats-session.js';

/**
 * The `listen` side of broadcasts: a core NATS subscription per listener on the channel's
 * subject. Best effort, not stored, as the contract says (heartbeats, control).
 */
export class BroadcastListeners {
  private readonly listeners: ChannelListeners<IncomingMessage>;

  constructor(
    private readonly names: NatsNames,
    private readonly session: NatsSession,
    private readonly errors: TransportErrors,
    closed: () => boolean,
  ) {
    this.listeners = new ChannelListeners<IncomingMessage>(closed);
  }

  listen(channel: string): Observable<IncomingMessage> {
    return this.listeners.listen(channel, {
      join: (subscriber) => {
        let unsubscribe: (() => void) | undefined;
        let left = false;
        this.session.connect().then(
          (link) => {
            // close() completes every listener, so a closed transport's listener has left.
            if (left) return;
            const sub = link.nc.subscribe(this.names.channel(channel), {
              callback: (error, msg) => {
                if (error) {
                  this.errors.reportRaw(error, 'listen');
                  return;
                }
                subscriber.next(toIncoming(channel, this.listeners.nextId(), decodeMessage(msg)));
              },
            });
            unsubscribe = () => sub.unsubscribe();
          },
          (error: unknown) => subscriber.error(this.errors.toError(error, 'listen')),
        );
        return () => {
          left = true;
          unsubscribe?.();
        };
      },
    });
  }

  /** Completes every listener (the transport is closing). */
  complete(): void {
    this.listeners.complete();
  }
}
