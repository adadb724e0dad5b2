import type { Kafka, KafkaConfig, RetryOptions } from 'kafkajs';
import type { KafkaLogEntry } from './kafka-log-entry.js';
import type { KafkaTopologyOptions } from './kafka-topology-options.js';

/**
 * Options of {@link KafkaTransport}. Only `brokers` (or `kafka`) is required; the defaults favour
 * low latency on a local or same-datacenter cluster.
 *
 * @example
 * ```ts
 * const options: KafkaTransportOptions = {
 *   brokers: ['kafka-1:9092', 'kafka-2:9092'],
 *   clientId: 'fraud-frontend',
 *   partitions: 12,
 *   replicationFactor: 3,
 *   sessionTimeoutMs: 10_000,
 *   ssl: true,
 *   sasl: { mechanism: 'scram-sha-512', username: 'svc', password: process.env.KAFKA_PASSWORD! },
 * };
 * ```
 */
export interface KafkaTransportOptions extends KafkaTopologyOptions {
  /** Bootstrap servers, as a list or a comma-separated string. Ignored when `kafka` is given. */
  readonly brokers?: readonly string[] | string;
  /** kafkajs client id (shows up in broker logs and quotas). Default `rendezvous`. */
  readonly clientId?: string;
  /** A ready kafkajs `Kafka` instance to use instead of building one from these options. */
  readonly kafka?: Kafka;
  /**
   * Longest a fetch waits for data on the broker (kafkajs default 5000). A fetch returns as soon
   * as a record arrives, so this does not delay deliveries; it is how often an idle consumer asks
   * again, and how long a stop or a rebalance may wait for the fetch in flight. Default 250 ms
   * (at 20 ms the consumers of an idle iris deployment on Kafka kept half a core busy).
   */
  readonly maxWaitTimeInMs?: number;
  /** Unacknowledged deliveries per member when `consume` is not given `prefetch`. Default 256. */
  readonly defaultPrefetch?: number;
  /**
   * Name of this instance's reply topic (`<prefix>__reply.<instanceId>`). Give a stable name (the
   * pod name) to reuse one topic across restarts. Default: random.
   */
  readonly instanceId?: string;
  /** How often a reply-tap member looks for new reply topics. Default 2000 ms. */
  readonly replyTapRefreshMs?: number;
  /**
   * kafkajs retries of a publish, reply or broadcast before it fails with `ConnectionLostError`.
   * Default 2 retries, 100–500 ms apart.
   */
  readonly producerRetry?: RetryOptions;
  /**
   * Longest a publish, reply or broadcast may take before it rejects with a retryable
   * `ConnectionLostError` (with the broker down, kafkajs's nested retries alone take > 10 s).
   * Default 5000 ms.
   */
  readonly sendTimeoutMs?: number;
  /**
   * Longest `ensureGroup`, `openReplyChannel` and the set-up of `consume` and `listen` wait out
   * transient broker states, retrying with backoff: a topic created a moment ago whose
   * partitions are not hosted yet ("This server does not host this topic-partition"), a group
   * coordinator still loading, a broker not up yet. Past it they reject with a retryable
   * `ConnectionLostError` (a consumer keeps retrying in the background). Default 30 000 ms.
   */
  readonly setupTimeoutMs?: number;
  /** TLS options, passed through to kafkajs. */
  readonly ssl?: KafkaConfig['ssl'];
  /** SASL options, passed through to kafkajs. Never logged. */
  readonly sasl?: KafkaConfig['sasl'];
  /** kafkajs connection timeout. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** kafkajs request timeout. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Lowest kafkajs log level that is logged. Default `warn`. */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** Where kafkajs logs go, after secrets are redacted. Default: stderr. */
  readonly logger?: (entry: KafkaLogEntry) => void;
}
