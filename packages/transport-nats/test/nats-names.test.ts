import { MissingPeerDependencyError } from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadNats } from '../src/load-nats.js';
import { encodeName, isReturnAddress, NatsNames } from '../src/nats-names.js';
import { toTransportError } from '../src/to-transport-error.js';

describe('NATS names', () => {
  it('encodes any two different names differently, as one valid subject token and stream name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const [ea, eb] = [encodeName(a), encodeName(b)];
        expect(ea).toMatch(/^[A-Za-z0-9_-]+$/);
        if (a !== b) expect(ea).not.toBe(eb);
      }),
    );
    expect(encodeName('a.b')).not.toBe(encodeName('a_b'));
    expect(encodeName('requests')).toBe('requests');
  });

  it('refuses a prefix that is not a subject token', () => {
    expect(() => new NatsNames('a.b')).toThrow(/prefix/);
    expect(new NatsNames('iris').reply('abc')).toBe('iris.r.abc');
  });

  it('refuses return addresses that would reach more than one subject', () => {
    for (const a of ['a.b', '>', '*', 'a b', '']) expect(isReturnAddress(a)).toBe(false);
    expect(isReturnAddress('0f3c9a1b2d4e4f6a8b9c0d1e2f3a4b5c')).toBe(true);
  });
});

describe('loadNats', () => {
  it('says what to install when a peer dependency is missing', async () => {
    const error = await loadNats(async (s) => {
      if (s === '@nats-io/jetstream') throw new Error('Cannot find module');
      return import('@nats-io/transport-node');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect((error as Error).message).toContain('npm install @nats-io/jetstream');
  });

  it('refuses a module without the v3 API', async () => {
    const error = await loadNats(async () => ({ connect: 'not a function' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingPeerDependencyError);
  });
});

describe('toTransportError', () => {
  const named = (name: string, message: string, extra: object = {}): Error =>
    Object.assign(new Error(message), { name }, extra);

  it('maps refused credentials to AUTHENTICATION_FAILED, never retryable, secrets redacted', () => {
    const e = toTransportError(
      named('AuthorizationError', "'Authorization Violation' nats://u:s3cret@h:4222"),
      'connect',
      ['s3cret'],
      false,
    );
    expect(e.code).toBe('AUTHENTICATION_FAILED');
    expect(e.retryable).toBe(false);
    expect(`${e.message} ${(e.cause as Error).message}`).not.toContain('s3cret');
  });

  it('maps lost connections and JetStream states that pass to CONNECTION_LOST, retryable', () => {
    for (const e of [
      named('ConnectionError', 'connect ECONNREFUSED 127.0.0.1:4222'),
      named('TimeoutError', 'timeout'),
      named('JetStreamStatusError', 'server shutdown', { code: 409 }),
      named('JetStreamApiError', 'jetstream system temporarily unavailable', { status: 503 }),
    ]) {
      const mapped = toTransportError(e, 'publish', [], false);
      expect(mapped.code, e.message).toBe('CONNECTION_LOST');
      expect(mapped.retryable).toBe(true);
    }
  });

  it('maps any other API error to UNEXPECTED_REPLY, and everything after close to TRANSPORT_CLOSED', () => {
    const conflict = named(
      'JetStreamApiError',
      'stream name already in use with a different configuration',
      {
        status: 400,
        code: 10058,
      },
    );
    expect(toTransportError(conflict, 'ensureGroup', [], false).code).toBe('UNEXPECTED_REPLY');
    expect(toTransportError(conflict, 'ensureGroup', [], true).code).toBe('TRANSPORT_CLOSED');
  });
});
