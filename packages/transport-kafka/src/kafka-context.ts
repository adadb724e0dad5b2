import type { KafkaConnector } from './kafka-connector.js';
import type { KafkaLogger } from './kafka-logger.js';
import type { OpenWork } from './open-work.js';
import type { TopicAdmin } from './topic-admin.js';
import type { TopicNames } from './topic-names.js';
import type { TransportOps } from './transport-ops.js';

/**
 * What the parts of one `KafkaTransport` (reply channels, the reply tap, broadcast listeners)
 * share: its names, its connection and the operations on it, and its open work.
 *
 * @example
 * ```ts
 * const ctx: KafkaContext = { names, topics, ops, work, connector, logger };
 * const listeners = new BroadcastListeners(ctx);
 * ```
 */
export interface KafkaContext {
  readonly names: TopicNames;
  readonly topics: TopicAdmin;
  readonly ops: TransportOps;
  readonly work: OpenWork;
  readonly connector: KafkaConnector;
  readonly logger: KafkaLogger;
}
