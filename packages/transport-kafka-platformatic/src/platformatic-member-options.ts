import type { BaseOptions } from '@platformatic/kafka';
import type { Clock, Delivery } from '@rendezvous-ml/core';
import type { RedeliveryCounter } from '@rendezvous-ml/transport-kafka/kit';
import type { Subscriber } from 'rxjs';
import type { PlatformaticKafkaModule } from './load-platformatic-kafka.js';

/**
 * The group settings every consumer of a transport is built with.
 *
 * @example
 * ```ts
 * const group: GroupSettings = { sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTime: 250 };
 * ```
 */
export interface GroupSettings {
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
  readonly maxWaitTime: number;
}

/**
 * Options of `PlatformaticGroupMember`.
 *
 * @example
 * ```ts
 * const opts: PlatformaticMemberOptions = { kafka: () => module, client, group, groupId: 'rendezvous.model:dt@1',
 *   topics: async () => ['rendezvous.requests'], sourceOf: () => 'requests', prefetch: 16, subscriber,
 *   redeliveries, log: console.warn, isClosed: () => false };
 * ```
 */
export interface PlatformaticMemberOptions {
  /** The loaded client module, available once `topics()` has resolved. */
  readonly kafka: () => PlatformaticKafkaModule;
  /** Connection options of the consumer (brokers, client id, TLS, SASL). */
  readonly client: BaseOptions;
  readonly group: GroupSettings;
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
  /** Delay before a consumer whose stream failed is rebuilt. Default 200 ms. */
  readonly restartDelayMs?: number;
  /** Removes the member a failed consumer left behind from the group (see `evict`). */
  readonly evict?: (groupId: string, memberId: string) => void;
  readonly log: (message: string, error?: unknown) => void;
  /** Whether the transport is closed (acks then reject with `TransportClosedError`). */
  readonly isClosed: () => boolean;
  /** Time source of delayed redeliveries (`release({ delayMs })`). Default the system clock. */
  readonly clock?: Clock;
}
