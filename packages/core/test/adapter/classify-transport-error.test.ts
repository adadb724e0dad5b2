import {
  AuthenticationError,
  ConnectionLostError,
  RendezvousError,
  TransportClosedError,
} from '@rendezvous-ml/core';
import {
  CredentialRedactor,
  classifyTransportError,
  errorChain,
  isConnectionFailure,
  type TransportFailureKind,
  transportErrorMapper,
} from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

const socket = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });

describe('classifyTransportError', () => {
  it('makes a refused, lost or unreachable connection a retryable CONNECTION_LOST, by its code', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']) {
      const wrapped = new Error('Connection error', { cause: socket(code) });
      for (const e of [socket(code), wrapped]) {
        const mapped = classifyTransportError(e, { failed: 'x publish failed' });
        expect(mapped, code).toBeInstanceOf(ConnectionLostError);
        expect([mapped.code, mapped.retryable]).toEqual(['CONNECTION_LOST', true]);
      }
    }
  });

  it('gives each kind its code, and retryable only to connection failures', () => {
    const expected: Record<TransportFailureKind, string> = {
      authentication: 'AUTHENTICATION_FAILED',
      connection: 'CONNECTION_LOST',
      configuration: 'INVALID_CONFIGURATION',
      input: 'INVALID_INPUT',
      unexpected: 'UNEXPECTED_REPLY',
    };
    for (const [kind, code] of Object.entries(expected) as [TransportFailureKind, string][]) {
      const e = classifyTransportError(new Error('boom'), {
        failed: 'x op failed',
        classify: () => ({ kind, reason: 'why', hint: 'do this' }),
      });
      expect([e.code, e.retryable], kind).toEqual([code, kind === 'connection']);
      expect(e.message).toBe('x op failed: why (boom): do this');
    }
  });

  it('lets the adapter decide first: an auth error wrapped around a socket error stays an auth error', () => {
    const e = classifyTransportError(new Error('NOAUTH', { cause: socket('ECONNRESET') }), {
      failed: 'x failed',
      classify: (chain) =>
        chain[0]?.message === 'NOAUTH' ? { kind: 'authentication' } : undefined,
    });
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.retryable).toBe(false);
  });

  it('calls anything it does not know UNEXPECTED_REPLY, and everything after close TRANSPORT_CLOSED', () => {
    expect(classifyTransportError(new Error('WRONGTYPE'), { failed: 'x' }).code).toBe(
      'UNEXPECTED_REPLY',
    );
    expect(classifyTransportError('a string', { failed: 'x' }).code).toBe('UNEXPECTED_REPLY');
    const closed = classifyTransportError(socket('ECONNRESET'), { failed: 'x', closed: true });
    expect(closed).toBeInstanceOf(TransportClosedError);
  });

  it('redacts the message and the cause, and keeps the original only when asked', () => {
    const r = new CredentialRedactor(['s3cret']);
    const original = new Error('AUTH s3cret failed at redis://u:s3cret@h');
    const e = classifyTransportError(original, { failed: 'x', redact: (t) => r.redact(t) });
    expect(JSON.stringify(e)).not.toContain('s3cret');
    expect(`${e.message} ${(e.cause as Error).message}`).not.toContain('s3cret');
    expect(e.cause).not.toBe(original);
    const kept = classifyTransportError(original, { failed: 'x', keepCause: true });
    expect(kept.cause).toBe(original);
  });

  it('returns a RendezvousError as it is', () => {
    const own = new RendezvousError('DEADLINE_EXCEEDED', 'late');
    expect(classifyTransportError(own, { failed: 'x' })).toBe(own);
  });
});

describe('errorChain and isConnectionFailure', () => {
  it('walk causes, kafkajs originalError and aggregate parts, each once', () => {
    const inner = socket('ECONNREFUSED');
    const agg = new AggregateError([new Error('a'), inner], 'all failed');
    const outer = Object.assign(new Error('retries spent'), { originalError: agg });
    (inner as { cause?: unknown }).cause = outer; // a cycle
    expect(errorChain(outer).map((l) => l.message)).toEqual([
      'retries spent',
      'all failed',
      'a',
      'connect ECONNREFUSED 127.0.0.1:6379',
    ]);
    expect(isConnectionFailure(outer)).toBe(true);
    expect(isConnectionFailure(new Error('ECONNREFUSEDX is not a code'))).toBe(false);
  });
});

describe('transportErrorMapper', () => {
  it('names the transport and operation, redacts the secrets it is given, and says closed', () => {
    const toError = transportErrorMapper('redis', {
      classify: (chain) =>
        chain[0]?.message?.startsWith('WRONGPASS') ? { kind: 'authentication' } : undefined,
    });
    const e = toError(new Error('WRONGPASS s3cret'), 'publish', ['s3cret'], false);
    expect([e.code, e.message]).toEqual([
      'AUTHENTICATION_FAILED',
      'redis publish failed: WRONGPASS [redacted]',
    ]);
    expect(toError(socket('ECONNRESET'), 'read', [], false).code).toBe('CONNECTION_LOST');
    expect(toError('text thrown', 'read', [], false).message).toBe(
      'redis read failed: text thrown',
    );
    expect(toError(new Error('x'), 'read', [], true).code).toBe('TRANSPORT_CLOSED');
  });
});
