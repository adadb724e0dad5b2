import type { DeliveryAccountOptions } from './delivery-account.js';
import type { MemberOptions } from './member-options.js';

/** The part of a {@link DeliveryAccountOptions} that a member passes on from its own options. */
export type MemberAccountOptions = Pick<
  DeliveryAccountOptions,
  'groupId' | 'prefetch' | 'redeliveries' | 'emit' | 'isClosed' | 'log' | 'clock'
>;

/**
 * What a group member (either client's) passes on to its {@link DeliveryAccount} from its own
 * options: the group, prefetch, redelivery counts, where deliveries go, and the clock.
 *
 * @example
 * ```ts
 * const account = new DeliveryAccount({ ...accountOptionsOf(options), pause, resume, committer, stopping, left });
 * ```
 */
export function accountOptionsOf(options: MemberOptions): MemberAccountOptions {
  return {
    groupId: options.groupId,
    prefetch: options.prefetch,
    redeliveries: options.redeliveries,
    emit: (d) => options.subscriber.next(d),
    isClosed: options.isClosed,
    log: options.log,
    ...(options.clock ? { clock: options.clock } : {}),
  };
}
