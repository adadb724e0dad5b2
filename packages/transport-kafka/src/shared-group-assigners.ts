import type { Assigner, PartitionAssigner } from 'kafkajs';
import type { KafkajsModule } from './load-kafkajs.js';

/**
 * The assignment protocol name librdkafka (confluent-kafka, the Java client's
 * `RoundRobinAssignor` as `roundrobin`) uses for round-robin assignment.
 *
 * @example
 * ```ts
 * const config = { 'partition.assignment.strategy': SHARED_ROUND_ROBIN }; // a librdkafka member
 * ```
 */
export const SHARED_ROUND_ROBIN = 'roundrobin';

/**
 * The partition assigners every consumer of the transport offers, in order of preference:
 * kafkajs's round-robin assignment under the protocol name `roundrobin`, then the same under
 * kafkajs's own name `RoundRobinAssigner`.
 *
 * A Kafka group agrees on one protocol that every member offers. kafkajs offers only
 * `RoundRobinAssigner`, librdkafka only `range`, `roundrobin` or `cooperative-sticky`: without a
 * common name, the coordinator refuses the second kind of member (`INCONSISTENT_GROUP_PROTOCOL`).
 * The subscription and assignment metadata of both are the standard consumer protocol
 * (`MemberMetadata`, `MemberAssignment`: version, topics, user data), so kafkajs's round-robin
 * under the name `roundrobin` is understood by librdkafka members whichever of them leads the
 * group. Offering `RoundRobinAssigner` second keeps groups shared with older kafkajs members of
 * this transport working.
 *
 * @example
 * ```ts
 * const consumer = kafka.consumer({ groupId, partitionAssigners: sharedGroupAssigners(kafkajs) });
 * ```
 */
export function sharedGroupAssigners(
  kafkajs: Pick<KafkajsModule, 'PartitionAssigners'>,
): PartitionAssigner[] {
  const roundRobin = kafkajs.PartitionAssigners.roundRobin;
  const renamed: PartitionAssigner = (config) => {
    const inner: Assigner = roundRobin(config);
    return {
      name: SHARED_ROUND_ROBIN,
      version: inner.version,
      assign: (group) => inner.assign.call(inner, group),
      protocol: (subscription) => ({
        ...inner.protocol.call(inner, subscription),
        name: SHARED_ROUND_ROBIN,
      }),
    };
  };
  return [renamed, roundRobin];
}
