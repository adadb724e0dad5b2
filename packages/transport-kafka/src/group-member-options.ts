import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { MemberOptions } from './member-options.js';

/**
 * Options of `GroupMember`: the {@link MemberOptions} of every Kafka member, and the kafkajs client.
 *
 * @example
 * ```ts
 * const opts: GroupMemberOptions = { kafka: () => kafka, groupId: 'rendezvous.model:dt@1', topics: async () => ['rendezvous.requests'],
 *   sourceOf: () => 'requests', prefetch: 16, consumerConfig: {}, subscriber, redeliveries, log: console.warn,
 *   isClosed: () => false };
 * ```
 */
export interface GroupMemberOptions extends MemberOptions {
  /** The client, available once `topics()` has resolved. */
  readonly kafka: () => Kafka;
  /** Where a partition without a committed offset starts. Default true (earliest). */
  readonly fromBeginning?: boolean;
  readonly consumerConfig: Omit<ConsumerConfig, 'groupId'>;
}
