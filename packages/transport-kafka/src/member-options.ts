import type { Clock, Delivery } from '@rendezvous-ml/core';
import type { Subscriber } from 'rxjs';
import type { RedeliveryCounter } from './redelivery-counter.js';

/**
 * The options every Kafka group member (either client's) takes; each client's member options
 * extend them with how it builds its consumer.
 *
 * @example
 * ```ts
 * const opts: MemberOptions = { groupId: 'rendezvous.model:dt@1', topics: async () => ['rendezvous.requests'],
 *   sourceOf: () => 'requests', prefetch: 16, subscriber, redeliveries, log: console.warn, isClosed: () => false };
 * ```
 */
export interface MemberOptions {
  readonly groupId: string;
  /** The topics to read; called at every (re)start, after any set-up it needs. */
  readonly topics: () => Promise<readonly string[]>;
  /** The logical stream name reported as `Delivery.source` for a topic. */
  readonly sourceOf: (topic: string) => string;
  readonly prefetch: number;
  readonly subscriber: Subscriber<Delivery>;
  readonly redeliveries: RedeliveryCounter;
  /** When set, re-reads `topics()` this often and rejoins when the list grew (the reply tap). */
  readonly refreshMs?: number;
  /** Delay before a consumer that failed for good is rebuilt. Default 200 ms. */
  readonly restartDelayMs?: number;
  /**
   * Removes the member a failed consumer left behind from the group, so the rejoin does not
   * wait for its session to time out.
   */
  readonly evict?: (groupId: string, memberId: string) => void;
  readonly log: (message: string, error?: unknown) => void;
  /** Whether the transport is closed (acks then reject with `TransportClosedError`). */
  readonly isClosed: () => boolean;
  /** Time source of delayed redeliveries (`release({ delayMs })`). Default the system clock. */
  readonly clock?: Clock;
}
