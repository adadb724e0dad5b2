import { createRequire } from 'node:module';
import {
  AuthenticationError,
  ConnectionLostError,
  RendezvousError,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  type KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toTransportError } from '../src/to-transport-error.js';

// kafkajs's own table of broker error codes and the factory it uses for every broker answer.
const require = createRequire(import.meta.url);
const protocol = require('kafkajs/src/protocol/error.js') as {
  errorCodes: { type: string; code: number; retriable: boolean }[];
  createErrorFromCode: (code: number) => KafkaJSProtocolError;
};
const byType = (type: string): KafkaJSProtocolError =>
  protocol.createErrorFromCode(protocol.errorCodes.find((e) => e.type === type)!.code);
/** What kafkajs's retrier throws for a failure it does not retry (its .d.ts omits the options). */
const notRetried = (e: Error): Error =>
  new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error)(e, {
    cause: e,
  });
/** What kafkajs's retrier throws once its retries of a retriable failure are spent. */
const retriesSpent = (e: Error): Error =>
  // kafkajs's constructor takes (error, { retryCount, retryTime }); its .d.ts declares one argument
  new (
    KafkaJSNumberOfRetriesExceeded as unknown as new (
      e: Error,
      meta: { retryCount: number; retryTime: number },
    ) => Error
  )(e, { retryCount: 5, retryTime: 1000 });

const AUTH = [
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
];
const TRANSIENT = [
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
];

describe('toTransportError', () => {
  it.each(AUTH)(
    'labels %s an AuthenticationError that is not retryable and names the fix',
    (type) => {
      for (const error of [byType(type), notRetried(byType(type))]) {
        const e = toTransportError(error, 'ensureGroup g on s');
        expect(e).toBeInstanceOf(AuthenticationError);
        expect(e.code).toBe('AUTHENTICATION_FAILED');
        expect(e.retryable).toBe(false);
        expect(e.message).toContain(type);
        expect(e.message).toMatch(/check the `sasl` option/);
        expect(e.cause).toBe(error);
      }
    },
  );

  it('labels a KafkaJSSASLAuthenticationError an AuthenticationError without the password', () => {
    // kafkajs's .d.ts declares no constructor argument; the class takes the message
    const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const error = new SaslError(
      'SASL PLAIN authentication failed: bad login password=hunter2-secret for //svc:hunter2-secret@b:9092',
    );
    const e = toTransportError(error, 'publish to requests');
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.retryable).toBe(false);
    expect(e.message).not.toContain('hunter2-secret');
    expect(e.message).toContain('publish to requests');
  });

  it.each(TRANSIENT)(
    'labels %s a retryable ConnectionLostError, bare or with its retries spent',
    (type) => {
      for (const error of [byType(type), retriesSpent(byType(type))]) {
        const e = toTransportError(error, 'ensureGroup archiver:results on results');
        expect(e).toBeInstanceOf(ConnectionLostError);
        expect(e.retryable).toBe(true);
        expect(e.message).toContain(type);
      }
    },
  );

  it('labels connection failures and request timeouts retryable, even wrapped as non-retriable', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', {
      broker: '127.0.0.1:1',
      code: 'ECONNREFUSED',
    });
    const timeout = new KafkaJSRequestTimeoutError(
      'Request Metadata(key: 3, version: 6) timed out',
      {
        broker: '127.0.0.1:9092',
        clientId: 'rendezvous',
        correlationId: 1,
        createdAt: 0,
        sentAt: 0,
        pendingDuration: 0,
      },
    );
    for (const error of [
      refused,
      timeout,
      retriesSpent(refused),
      notRetried(retriesSpent(refused)),
    ]) {
      const e = toTransportError(error, 'publish to requests');
      expect(e).toBeInstanceOf(ConnectionLostError);
      expect(e.retryable).toBe(true);
    }
  });

  it('gives other failures an honest code and never a non-retryable CONNECTION_LOST', () => {
    for (const { type, retriable } of protocol.errorCodes) {
      const e = toTransportError(retriesSpent(byType(type)), 'op');
      expect(e, type).toBeInstanceOf(RendezvousError);
      if (e.code === 'CONNECTION_LOST') expect(e.retryable, type).toBe(true);
      if (retriable) expect(e, type).toBeInstanceOf(ConnectionLostError);
    }
    expect(toTransportError(byType('MESSAGE_TOO_LARGE'), 'publish').code).toBe('INVALID_INPUT');
    expect(toTransportError(byType('INVALID_REPLICATION_FACTOR'), 'ensureGroup').code).toBe(
      'INVALID_CONFIGURATION',
    );
    const other = toTransportError(new KafkaJSNonRetriableError('Invalid topics array'), 'x');
    expect(other).toBeInstanceOf(UnexpectedReplyError);
    expect(other.retryable).toBe(false);
  });

  it('keeps a RendezvousError as it is', () => {
    const original = new ConnectionLostError('kafka: publish failed: no answer within 5000 ms');
    expect(toTransportError(original, 'publish')).toBe(original);
  });
});
