import { type Clock, systemClock } from '../clock.js';
import { settleWithin } from './settle-within.js';

/** What a broker-backed transport closes, in the order {@link closeBrokerParts} closes them. */
export interface BrokerParts {
  /** The group members (consumers): closed first, so each hands its deliveries back. */
  readonly members: { close(): Promise<unknown> };
  /** The broadcast listeners: completed at once (no broker call). */
  readonly broadcasts: { complete(): void };
  /** The open reply channels: closed together with the members. */
  readonly channels: Iterable<{ close(): Promise<unknown> }>;
  /** How long members and channels may take before the connection is closed anyway. */
  readonly withinMs: number;
  /** Closes the broker connection(s), after the members and channels. */
  readonly disconnect: () => unknown;
  /** The clock of the `withinMs` bound (the system clock unless a test injects one). */
  readonly clock?: Clock;
  /** The transport's error side: completed last, so errors met while closing still reach it. */
  readonly errors: { complete(): void };
}

/**
 * The close sequence every broker-backed transport shares: stop the members and close the reply
 * channels (bounded by `withinMs`, so a broker that is gone cannot hold `close()` up), complete
 * the broadcast listeners, then disconnect, then complete the error side.
 *
 * @example
 * ```ts
 * async close(): Promise<void> {
 *   if (this.closed) return;
 *   this.closed = true;
 *   await closeBrokerParts({
 *     members: this.members, broadcasts: this.broadcasts, channels: this.channels,
 *     withinMs: 3000, disconnect: () => this.session.close(), errors: this.errors,
 *   });
 * }
 * ```
 */
export async function closeBrokerParts(parts: BrokerParts): Promise<void> {
  const members = parts.members.close();
  parts.broadcasts.complete();
  const channels = [...parts.channels].map((channel) => channel.close());
  await settleWithin(
    Promise.all([members, ...channels]),
    parts.withinMs,
    parts.clock ?? systemClock,
  );
  await parts.disconnect();
  parts.errors.complete();
}
