import type {
  AuthenticationError,
  ConnectionLostError,
  RendezvousError,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';
import {
  CredentialRedactor,
  classifyTransportError,
  type ErrorLink,
  isConnectionFailure,
  type TransportFailure,
} from '@rendezvous-ml/core/transport';

/** Broker answers that mean the credentials or their permissions are wrong: fix the config. */
const AUTHENTICATION = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/**
 * Broker answers that pass by themselves: metadata not propagated yet (a topic just created),
 * a leader or coordinator moving or loading, a broker busy. kafkajs spells some of them its own
 * way (`NOT_COORDINATOR_FOR_GROUP` for Kafka's `NOT_COORDINATOR`); both spellings are here.
 */
const TRANSIENT = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
  'KAFKA_STORAGE_ERROR',
  'REBALANCE_IN_PROGRESS',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'UNSTABLE_OFFSET_COMMIT',
]);

/** kafkajs errors raised by the client itself (no broker answer) that pass by themselves. */
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

/** Broker answers that the operation's input is wrong (too large, malformed). */
const INVALID_INPUT = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
]);

/** Broker answers that the transport's settings (or the cluster's) do not fit. */
const CONFIGURATION = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_CONFIG',
  'POLICY_VIOLATION',
  'INVALID_REQUIRED_ACKS',
  'INVALID_SESSION_TIMEOUT',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'SECURITY_DISABLED',
  'TOPIC_DELETION_DISABLED',
  'GROUP_MAX_SIZE_REACHED',
]);

/** The broker's error type (e.g. `UNKNOWN_TOPIC_OR_PARTITION`) or client error name, for messages. */
function label(links: readonly ErrorLink[]): string {
  const typed = links.find((l) => typeof l.type === 'string');
  return typed?.type ?? links.find((l) => l.name && l.name !== 'Error')?.name ?? 'Error';
}

/** Kafka's reading of a failure: broker error types and kafkajs error names, in the chain. */
function classifyKafka(links: readonly ErrorLink[]): TransportFailure {
  const auth = links.find(
    (l) => l.name === 'KafkaJSSASLAuthenticationError' || AUTHENTICATION.has(l.type ?? ''),
  );
  if (auth)
    return {
      kind: 'authentication',
      reason: `the broker refused the credentials or their permissions (${auth.type ?? 'SASL authentication failed'})`,
      hint: 'check the `sasl` option (mechanism, username, password), that the listener has SASL enabled, and the ACLs of the user',
    };
  if (
    links.some(
      (l) =>
        l.retriable === true || TRANSIENT.has(l.type ?? '') || TRANSIENT_NAMES.has(l.name ?? ''),
    ) ||
    isConnectionFailure(links[0])
  )
    return { kind: 'connection', reason: `${label(links)}, transient` };
  const type = links.find((l) => l.type)?.type ?? '';
  if (INVALID_INPUT.has(type))
    return { kind: 'input', reason: `the broker rejected the message (${type})` };
  if (CONFIGURATION.has(type))
    return {
      kind: 'configuration',
      reason: `the broker rejected the settings (${type})`,
      hint: 'check the transport options (partitions, replicationFactor, topicPrefix) against the cluster',
    };
  return { kind: 'unexpected', reason: label(links) };
}

/** Removes `user:password@` in URLs and `password=`-style values from kafkajs's texts. */
const redactor = new CredentialRedactor();

/**
 * Turns a kafkajs error into the core's typed errors (with the core kit's
 * `classifyTransportError`), by what it means for the caller:
 *
 * - the broker refused the credentials or their permissions (`KafkaJSSASLAuthenticationError`,
 *   `SASL_AUTHENTICATION_FAILED`, `*_AUTHORIZATION_FAILED`): {@link AuthenticationError},
 *   never retried, its message says what to fix;
 * - a state that passes by itself (a lost or refused connection, a request timeout, a topic
 *   whose metadata has not propagated yet, a leader or coordinator moving or loading, anything
 *   kafkajs marks `retriable`, anywhere in the cause chain: kafkajs wraps the last retriable
 *   failure in `KafkaJSNumberOfRetriesExceeded`): a retryable {@link ConnectionLostError};
 * - input the broker rejects (`MESSAGE_TOO_LARGE`): `INVALID_INPUT`; settings it rejects
 *   (`INVALID_REPLICATION_FACTOR`, `POLICY_VIOLATION`): `INVALID_CONFIGURATION`;
 * - anything else: {@link UnexpectedReplyError}, not retryable, naming the kafkajs error.
 *
 * The original stays as `cause` (kafkajs errors carry no settings); messages never carry
 * credentials.
 *
 * @example
 * ```ts
 * await producer.send(record).catch((e) => { throw toTransportError(e, 'publish to requests'); });
 * ```
 *
 * `readLink` lets another Kafka client present its errors the kafkajs way first (the
 * `@platformatic/kafka` transport maps its `apiId` to `type` and `canRetry` to `retriable`).
 */
export function toTransportError(
  error: unknown,
  what: string,
  readLink: (link: ErrorLink) => ErrorLink = (link) => link,
): RendezvousError {
  return classifyTransportError(error, {
    failed: `kafka: ${what} failed`,
    redact: (text) => redactor.redact(text),
    keepCause: true,
    classify: (links) => classifyKafka(links.map(readLink)),
  });
}
