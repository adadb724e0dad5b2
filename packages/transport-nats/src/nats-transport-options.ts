import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * Options of {@link NatsTransport}. Durations are in milliseconds.
 *
 * @example
 * ```ts
 * const opts: NatsTransportOptions = {
 *   servers: ['nats://nats-1:4222', 'nats://nats-2:4222'],
 *   user: 'rendezvous',
 *   pass: process.env.NATS_PASSWORD,
 *   prefix: 'iris',
 *   maxAgeMs: 3_600_000,
 * };
 * ```
 */
export interface NatsTransportOptions {
  /** Server URL(s). Default `nats://127.0.0.1:4222`. */
  readonly servers?: string | readonly string[];
  /** User name. Never logged. */
  readonly user?: string;
  /** Password. Never logged nor put in error messages. */
  readonly pass?: string;
  /** Token. Never logged nor put in error messages. */
  readonly token?: string;
  /** Further `@nats-io` connection options (TLS, authenticator, ...), merged before the ones this transport relies on. */
  readonly connectionOptions?: Partial<NodeConnectionOptions>;
  /** Opens the connection from the computed options (to inject an instrumented one). */
  readonly connect?: (options: NodeConnectionOptions) => Promise<NatsConnection>;
  /** Prefix of every stream, subject and consumer (letters, digits, `-`). Default `rdv`. */
  readonly prefix?: string;
  /** Streams drop messages older than this (`max_age`). Default 24 h. */
  readonly maxAgeMs?: number;
  /** Streams keep at most this many messages (`max_msgs`, oldest dropped). Default 100 000. */
  readonly maxMsgs?: number;
  /** The replies stream drops replies older than this. Default 1 h. */
  readonly replyMaxAgeMs?: number;
  /** The replies stream keeps at most this many replies. Default 100 000. */
  readonly replyMaxMsgs?: number;
  /** `file` (survives a server restart, default) or `memory`. */
  readonly storage?: 'file' | 'memory';
  /** Stream replicas in a cluster. Default 1. */
  readonly replicas?: number;
  /**
   * `ack_wait` of every group's consumer: a delivery neither acked nor released is delivered
   * again after this, to another member, once its member died. A live member keeps its
   * deliveries (it tells the server it is working on them every `ackWaitMs / 3`). Default 30 000.
   */
  readonly ackWaitMs?: number;
  /** Longest a member's pull request waits at the server. Default 5 000. */
  readonly fetchExpiresMs?: number;
  /** Unacknowledged deliveries per member when `consume` is not given `prefetch`. Default 64. */
  readonly defaultPrefetch?: number;
  /** Longest a JetStream API call, publish or confirmed ack waits for the server. Default 5 000. */
  readonly apiTimeoutMs?: number;
}
