import {
  NetworkError,
  AuthenticationError as PltAuthenticationError,
  ProtocolError,
  TimeoutError,
} from '@platformatic/kafka';
import {
  AuthenticationError,
  ConnectionLostError,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { toPlatformaticError } from '../src/to-platformatic-error.js';

describe('toPlatformaticError', () => {
  it('reads a broker answer that passes by itself as a retryable ConnectionLostError', () => {
    const e = toPlatformaticError(new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION'), 'publish to s');
    expect(e).toBeInstanceOf(ConnectionLostError);
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('reads a lost connection and a request timeout as retryable', () => {
    for (const cause of [
      new NetworkError('Connection closed'),
      new TimeoutError('Request timed out'),
    ])
      expect(toPlatformaticError(cause, 'reply').retryable).toBe(true);
  });

  it('reads refused credentials as a non-retryable AuthenticationError that says what to fix', () => {
    const e = toPlatformaticError(new PltAuthenticationError('SASL failed'), 'publish to s');
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/check the `sasl` option/);
  });

  it('reads input and settings the broker rejects by their codes, anything else as unexpected', () => {
    expect(toPlatformaticError(new ProtocolError('MESSAGE_TOO_LARGE'), 'publish').code).toBe(
      'INVALID_INPUT',
    );
    expect(
      toPlatformaticError(new ProtocolError('INVALID_REPLICATION_FACTOR'), 'ensureGroup').code,
    ).toBe('INVALID_CONFIGURATION');
    const odd = toPlatformaticError(new ProtocolError('DUPLICATE_SEQUENCE_NUMBER'), 'publish');
    expect(odd).toBeInstanceOf(UnexpectedReplyError);
    expect(odd.retryable).toBe(false);
  });
});
