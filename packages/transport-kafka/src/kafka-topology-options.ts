/**
 * The options both Kafka transports (either client's) take alike: how topics and groups are
 * named and sized, how members keep their group, and what a member asks for at once.
 *
 * @example
 * ```ts
 * const topology: KafkaTopologyOptions = { topicPrefix: 'rendezvous.', partitions: 12, replicationFactor: 3 };
 * ```
 */
export interface KafkaTopologyOptions {
  /** Prefix of every topic and consumer group this transport creates. Default `rendezvous.`. */
  readonly topicPrefix?: string;
  /** Partitions of the stream topics it creates (requests, dead letters). Default 8. */
  readonly partitions?: number;
  /** Replication factor of the topics it creates. Default 1 (use 3 in production). */
  readonly replicationFactor?: number;
  /**
   * A member that stops heartbeating for this long is removed from its group and its partitions
   * go to the survivors: the failover bound for a crashed worker. Default 10 000 ms.
   */
  readonly sessionTimeoutMs?: number;
  /** How often a member heartbeats; also how soon it notices a rebalance. Default 500 ms. */
  readonly heartbeatIntervalMs?: number;
  /** Longest time members get to rejoin during a rebalance. Default 10 000 ms. */
  readonly rebalanceTimeoutMs?: number;
}
