import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from '@platformatic/kafka';
import type { KafkaTopologyOptions } from '@rendezvous-ml/transport-kafka/kit';

/**
 * Options of {@link PlatformaticKafkaTransport}. Only `brokers` is required; the defaults are
 * those of `KafkaTransport` (the kafkajs one), so the two clients behave alike.
 *
 * @example
 * ```ts
 * const options: PlatformaticKafkaTransportOptions = {
 *   brokers: ['kafka-1:9092', 'kafka-2:9092'],
 *   clientId: 'fraud-frontend',
 *   partitions: 12,
 *   replicationFactor: 3,
 *   tls: {},
 *   sasl: { mechanism: 'SCRAM-SHA-512', username: 'svc', password: process.env.KAFKA_PASSWORD! },
 * };
 * ```
 */
export interface PlatformaticKafkaTransportOptions extends KafkaTopologyOptions {
  /** Bootstrap servers, as a list or a comma-separated string. */
  readonly brokers: readonly string[] | string;
  /** Client id (shows up in broker logs and quotas). Default `rendezvous`. */
  readonly clientId?: string;
  /** Longest a fetch waits for data on the broker; how often an idle consumer asks. Default 250 ms. */
  readonly maxWaitTimeMs?: number;
  /** Unacknowledged deliveries per member when `consume` is not given `prefetch`. Default 256. */
  readonly defaultPrefetch?: number;
  /** Name of this instance's reply topic (`<prefix>__reply.<instanceId>`). Default: random. */
  readonly instanceId?: string;
  /** How often a reply-tap member looks for new reply topics. Default 2000 ms. */
  readonly replyTapRefreshMs?: number;
  /**
   * Longest a publish, reply or broadcast may take before it rejects with a retryable
   * `ConnectionLostError`. Default 5000 ms.
   */
  readonly sendTimeoutMs?: number;
  /**
   * Longest `ensureGroup`, `openReplyChannel` and the set-up of `consume` and `listen` wait out
   * transient broker states, retrying with backoff. Default 30 000 ms.
   */
  readonly setupTimeoutMs?: number;
  /** TLS options (Node's `tls.connect` options); TLS is off without them. */
  readonly tls?: ConnectionOptions;
  /** SASL options, passed through to `@platformatic/kafka`. Never logged. */
  readonly sasl?: SASLOptions;
  /** Connection timeout. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** Request timeout. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Where the transport's own warnings go (a consumer rebuilt, a commit failed). Default: stderr. */
  readonly logger?: (message: string, error?: unknown) => void;
}
