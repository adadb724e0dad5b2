import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import { TransportClosedError } from '../errors.js';

/**
 * A cold Observable of a transport: subscribing after the transport closed errors at once with
 * `TransportClosedError` (the contract); otherwise `attach` wires the subscriber up and returns
 * its teardown. Every `consume` and `listen` of a transport starts this way.
 *
 * @example
 * ```ts
 * listen(channel: string): Observable<IncomingMessage> {
 *   return whileOpen(() => this.closed, (subscriber) => this.listeners.attach(channel, subscriber));
 * }
 * ```
 */
export function whileOpen<T>(
  closed: () => boolean,
  attach: (subscriber: Subscriber<T>) => TeardownLogic,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    if (closed()) {
      subscriber.error(new TransportClosedError());
      return undefined;
    }
    return attach(subscriber);
  });
}
