/**
 * The client-independent parts of the Kafka transport, for another Kafka client's transport
 * (`@rendezvous-ml/transport-kafka-platformatic`): how names map to topics and groups, the
 * account a group member keeps of what it delivered (partition ledger, released records,
 * redelivery counts, fetch ordering, commits), the produce batcher, the transport's open work,
 * and the mapping of Kafka errors to the core's typed errors. Nothing here loads kafkajs.
 *
 * Not a stable API for applications: it follows the versions of the Kafka transports.
 *
 * @example
 * ```ts
 * import { PartitionLedger, TopicNames } from '@rendezvous-ml/transport-kafka/kit';
 * const names = new TopicNames('rendezvous.');
 * const ledger = new PartitionLedger();
 * ```
 *
 * @packageDocumentation
 */
export { accountOptionsOf, type MemberAccountOptions } from './account-options-of.js';
export { AccountedMember } from './accounted-member.js';
export { closeKafkaParts } from './close-kafka-parts.js';
export {
  DeliveryAccount,
  type DeliveryAccountOptions,
  partitionKeyOf,
} from './delivery-account.js';
export { FetchOutbox } from './fetch-outbox.js';
export type { KafkaTopologyOptions } from './kafka-topology-options.js';
export type { MemberOptions } from './member-options.js';
export type { CommitTarget } from './offset-committer.js';
export { OpenWork } from './open-work.js';
export {
  type AckedAhead,
  type PartitionEnds,
  partitionLag,
} from './partition-lag.js';
export { PartitionLedger } from './partition-ledger.js';
export { requirePositiveIntegers } from './positive-integers.js';
export {
  type BatchProducer,
  ProduceBatcher,
  type ProduceBatchLimits,
} from './produce-batcher.js';
export { randomId } from './random-id.js';
export { RedeliveryCounter } from './redelivery-counter.js';
export { type ReleasedRecord, ReleasedRecords } from './released-records.js';
export { RestartTimer, type RestartTimerOptions } from './restart-timer.js';
export {
  StreamSetup,
  type StreamSetupOptions,
  type TopicPlacement,
} from './stream-setup.js';
export { toTransportError } from './to-transport-error.js';
export { TopicListWatch, type TopicListWatchOptions } from './topic-list-watch.js';
export { TopicNames } from './topic-names.js';
export {
  type LagReading,
  type TrackedMember,
  TransportMembers,
} from './transport-members.js';
export { TransportOps } from './transport-ops.js';
