import type { TransportCapabilities } from '../transport.js';

/**
 * The capabilities of a transport backed by a broker that keeps streams and consumer groups
 * (Redis Streams, Kafka, NATS JetStream): durable, shared by processes, redelivering what a dead
 * member left unacknowledged, with a reply tap and group lag, and ordered by key unless
 * `overrides` says otherwise. Each transport states only where it differs.
 *
 * @example
 * ```ts
 * readonly capabilities = brokerCapabilities({ orderedByKey: false }); // members share one consumer
 * ```
 */
export function brokerCapabilities(
  overrides: Partial<TransportCapabilities> = {},
): TransportCapabilities {
  return {
    durable: true,
    multiProcess: true,
    orderedByKey: true,
    redeliversUnacked: true,
    replyTap: true,
    ...overrides,
  };
}
