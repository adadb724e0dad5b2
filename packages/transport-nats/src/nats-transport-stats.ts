import type { TransportErrorCounts } from '@rendezvous-ml/core/transport';

/**
 * Counters of a {@link NatsTransport}, for metrics.
 *
 * @example
 * ```ts
 * const { published, malformedMessages } = transport.stats();
 * ```
 */
export interface NatsTransportStats extends TransportErrorCounts {
  readonly published: number;
  readonly replies: number;
  /** Messages whose bytes were not UTF-8 (a foreign writer), passed on as a base64 JSON dump. */
  readonly malformedMessages: number;
}
