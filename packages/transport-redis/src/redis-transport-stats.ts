import type { TransportErrorCounts } from '@rendezvous-ml/core/transport';

/**
 * Counters of a {@link RedisTransport}, for metrics.
 *
 * @example
 * ```ts
 * const { malformedEntries, claimedEntries } = transport.stats();
 * ```
 */
export interface RedisTransportStats extends TransportErrorCounts {
  readonly published: number;
  readonly replies: number;
  /** Stream entries not written by this transport (no payload field), passed on as JSON dumps. */
  readonly malformedEntries: number;
  /** Entries claimed from other members (crash recovery). */
  readonly claimedEntries: number;
  /**
   * Replies not written because their return address is gone (its front end closed and its
   * stream expired): nobody would read them, and writing would re-create the stream.
   */
  readonly repliesToClosedAddresses: number;
}
