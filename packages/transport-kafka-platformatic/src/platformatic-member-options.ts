import type { BaseOptions } from '@platformatic/kafka';
import type { MemberOptions } from '@rendezvous-ml/transport-kafka/kit';
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
 * Options of `PlatformaticGroupMember`: the `MemberOptions` of every Kafka member, and the
 * `@platformatic/kafka` client.
 *
 * @example
 * ```ts
 * const opts: PlatformaticMemberOptions = { kafka: () => module, client, group, groupId: 'rendezvous.model:dt@1',
 *   topics: async () => ['rendezvous.requests'], sourceOf: () => 'requests', prefetch: 16, subscriber,
 *   redeliveries, log: console.warn, isClosed: () => false };
 * ```
 */
export interface PlatformaticMemberOptions extends MemberOptions {
  /** The loaded client module, available once `topics()` has resolved. */
  readonly kafka: () => PlatformaticKafkaModule;
  /** Connection options of the consumer (brokers, client id, TLS, SASL). */
  readonly client: BaseOptions;
  readonly group: GroupSettings;
}
