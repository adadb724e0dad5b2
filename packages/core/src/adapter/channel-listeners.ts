import type { Observable, Subscriber } from 'rxjs';
import { whileOpen } from './while-open.js';

/**
 * How {@link ChannelListeners.listen} wires one listener of a channel to the broker.
 *
 * @example
 * ```ts
 * const wiring: ChannelWiring<IncomingMessage> = {
 *   join: (subscriber, first) => (first ? void sub.subscribe('config') : undefined),
 *   empty: () => void sub.unsubscribe('config'),
 * };
 * ```
 */
export interface ChannelWiring<T> {
  /**
   * A listener joined the channel (`first` when it had none): subscribe it at the broker.
   * Returns what undoes that when the listener leaves, if anything.
   */
  readonly join: (subscriber: Subscriber<T>, first: boolean) => (() => void) | undefined;
  /** The channel's last listener left, and the transport is open: drop its broker subscription. */
  readonly empty?: () => void;
}

/**
 * The listeners of a transport's broadcast channels: who hears each channel, so the transport
 * opens one broker subscription per channel however many listen (it opens it when
 * {@link add} says a channel got its first listener, and closes it when {@link remove} says the
 * last one left) and fans each message out.
 *
 * @example
 * ```ts
 * const listeners = new ChannelListeners<IncomingMessage>();
 * if (listeners.add('config', subscriber)) await sub.subscribe('config');
 * // a message on 'config':
 * listeners.next('config', message);
 * // teardown:
 * if (listeners.remove('config', subscriber)) await sub.unsubscribe('config');
 * ```
 */
export class ChannelListeners<T> {
  private readonly channels = new Map<string, Set<Subscriber<T>>>();
  private seq = 0;

  /** `closed` says whether the transport is closed (then {@link listen} errors at once). */
  constructor(private readonly closed: () => boolean = () => false) {}

  /**
   * The transport's `listen(channel)`: a {@link whileOpen} Observable whose subscribers are
   * listeners of `channel`, each wired to the broker by `wiring` as it joins and leaves.
   *
   * @example
   * ```ts
   * return this.listeners.listen(name, {
   *   join: (subscriber, first) => (first ? void pubsub.subscribe(name) : undefined),
   *   empty: () => void pubsub.unsubscribe(name),
   * });
   * ```
   */
  listen(channel: string, wiring: ChannelWiring<T>): Observable<T> {
    return whileOpen<T>(this.closed, (subscriber) => {
      const undo = wiring.join(subscriber, this.add(channel, subscriber));
      return () => {
        if (this.remove(channel, subscriber) && !this.closed()) wiring.empty?.();
        undo?.();
      };
    });
  }

  /** A fresh id for a broadcast message, unique among those of these listeners. */
  nextId(): string {
    return String(++this.seq);
  }

  /** Adds a listener of `channel`; true when it is the channel's first. */
  add(channel: string, subscriber: Subscriber<T>): boolean {
    const set = this.channels.get(channel);
    if (set) {
      set.add(subscriber);
      return false;
    }
    this.channels.set(channel, new Set([subscriber]));
    return true;
  }

  /** Removes a listener of `channel`; true when it was the channel's last. */
  remove(channel: string, subscriber: Subscriber<T>): boolean {
    const set = this.channels.get(channel);
    if (!set?.delete(subscriber) || set.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  /** Whether anyone listens to `channel`. */
  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Hands `value` to every listener of `channel`. */
  next(channel: string, value: T): void {
    const set = this.channels.get(channel);
    if (set) for (const s of [...set]) s.next(value);
  }

  /** Completes every listener and forgets them all (the transport is closing). */
  complete(): void {
    const all = [...this.channels.values()].flatMap((set) => [...set]);
    this.channels.clear();
    for (const s of all) s.complete();
  }

  /** Ends every listener with `error`; each leaves through its teardown, as usual. */
  fail(error: unknown): void {
    for (const set of [...this.channels.values()]) for (const s of [...set]) s.error(error);
  }
}
