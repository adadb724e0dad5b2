import {
  ConfigurationError,
  ConnectionLostError,
  DeadlineExceededError,
  InvalidEnvelopeError,
  InvalidInputError,
  MissingPeerDependencyError,
  NoUsableScoreError,
  OverloadedError,
  PredictError,
  RendezvousError,
  SinkWriteError,
  TransportClosedError,
} from '@rendezvous-ml/core';
import { toRendezvousError } from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

describe('errors', () => {
  const cause = new Error('root cause');
  const cases: [RendezvousError, string, string, boolean][] = [
    [
      new DeadlineExceededError('late', 1000, { cause }),
      'DeadlineExceededError',
      'DEADLINE_EXCEEDED',
      true,
    ],
    [new NoUsableScoreError('none'), 'NoUsableScoreError', 'NO_USABLE_SCORE', true],
    [new OverloadedError(10), 'OverloadedError', 'OVERLOADED', true],
    [
      new TransportClosedError(undefined, { cause }),
      'TransportClosedError',
      'TRANSPORT_CLOSED',
      false,
    ],
    [new ConnectionLostError('lost', { cause }), 'ConnectionLostError', 'CONNECTION_LOST', true],
    [
      new InvalidEnvelopeError('bad', '/id', { cause }),
      'InvalidEnvelopeError',
      'INVALID_ENVELOPE',
      false,
    ],
    [new InvalidInputError('bad', { cause }), 'InvalidInputError', 'INVALID_INPUT', false],
    [
      new PredictError('PREDICT_FAILED', 'boom', { cause }),
      'PredictError',
      'PREDICT_FAILED',
      false,
    ],
    [new PredictError('PREDICT_TIMEOUT', 'slow'), 'PredictError', 'PREDICT_TIMEOUT', true],
    [new SinkWriteError('disk', { cause }), 'SinkWriteError', 'SINK_WRITE_FAILED', true],
    [
      new SinkWriteError('closed', { retryable: false }),
      'SinkWriteError',
      'SINK_WRITE_FAILED',
      false,
    ],
    [
      new MissingPeerDependencyError('ioredis', '>=5', 'not installed', { cause }),
      'MissingPeerDependencyError',
      'MISSING_PEER_DEPENDENCY',
      false,
    ],
    [new ConfigurationError('bad'), 'ConfigurationError', 'INVALID_CONFIGURATION', false],
  ];

  it.each(cases)('%s has name %s, code %s and retryable %s', (error, name, code, retryable) => {
    expect(error).toBeInstanceOf(RendezvousError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.toJSON()).toEqual({ code, message: error.message, retryable });
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code, message: error.message, retryable });
  });

  it('keeps the cause it is given, and has none otherwise', () => {
    expect(new ConnectionLostError('x', { cause }).cause).toBe(cause);
    expect(new SinkWriteError('x', { cause }).cause).toBe(cause);
    expect(new DeadlineExceededError('x', 1, { cause }).cause).toBe(cause);
    expect('cause' in new NoUsableScoreError('x')).toBe(false);
    expect('cause' in new SinkWriteError('x')).toBe(false);
  });

  it('carries the details callers need', () => {
    expect(new OverloadedError(7)).toMatchObject({
      limit: 7,
      message: expect.stringContaining('7'),
    });
    expect(new DeadlineExceededError('x', 250).waitedMs).toBe(250);
    const env = new InvalidEnvelopeError('expected a string', '/model/name');
    expect(env).toMatchObject({ path: '/model/name', message: '/model/name: expected a string' });
    const peer = new MissingPeerDependencyError('kafkajs', '^2', 'not installed');
    expect(peer.packageName).toBe('kafkajs');
    expect(peer.message).toContain('npm install kafkajs');
  });

  it('toRendezvousError wraps anything thrown, keeping it as the cause, and passes RendezvousErrors through', () => {
    const wrapped = toRendezvousError(cause, 'CONNECTION_LOST', true);
    expect(wrapped).toMatchObject({
      code: 'CONNECTION_LOST',
      retryable: true,
      message: 'root cause',
    });
    expect(wrapped.cause).toBe(cause);
    expect(toRendezvousError('text', 'PREDICT_FAILED')).toMatchObject({
      message: 'text',
      retryable: false,
    });
    const own = new OverloadedError(1);
    expect(toRendezvousError(own, 'CONNECTION_LOST')).toBe(own);
  });
});
