import { ConfigurationError } from '@rendezvous-ml/core';
import { errorChain } from '@rendezvous-ml/core/transport';
import { SHARED_ROUND_ROBIN } from './shared-group-assigners.js';

/**
 * The error a member gets when its group runs an assignment protocol it does not offer (the
 * coordinator's `INCONSISTENT_GROUP_PROTOCOL`, for instance a librdkafka member with only
 * `cooperative-sticky`), as a {@link ConfigurationError} that says what to change, or
 * `undefined` for any other error. Retrying cannot help: kafkajs would rejoin in a loop while
 * the member looks started.
 *
 * @example
 * ```ts
 * const refusal = groupProtocolRefusal(crash.payload.error, 'rendezvous.model:dt@1');
 * if (refusal) subscriber.error(refusal);
 * ```
 */
export function groupProtocolRefusal(
  error: unknown,
  groupId: string,
): ConfigurationError | undefined {
  if (!errorChain(error).some((e) => e.type === 'INCONSISTENT_GROUP_PROTOCOL')) return undefined;
  return new ConfigurationError(
    `kafka: the consumer group ${groupId} refused this member (INCONSISTENT_GROUP_PROTOCOL): its other members offer no partition assignment protocol in common with this transport's (${SHARED_ROUND_ROBIN}, RoundRobinAssigner). ` +
      `Configure the other clients with partition.assignment.strategy=${SHARED_ROUND_ROBIN} (librdkafka's default range,roundrobin works), or give them a group of their own`,
  );
}
