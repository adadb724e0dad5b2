import {
  AuthenticationError,
  ConnectionLostError,
  type RendezvousError,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';
import { TransportErrors } from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

describe('TransportErrors', () => {
  it('reports and counts background errors until closed, and fails everything after a refusal', () => {
    let closed = false;
    const errors = new TransportErrors(
      (e, op, isClosed) => new ConnectionLostError(`${op}: ${String(e)} ${isClosed}`),
      () => closed,
    );
    const seen: RendezvousError[] = [];
    errors.errors$.subscribe((e) => seen.push(e));
    errors.reportRaw('x', 'read');
    errors.report(new UnexpectedReplyError('odd'));
    const refusal = new AuthenticationError('refused');
    expect(errors.refuse(refusal)).toBe(true);
    expect(errors.refuse(new AuthenticationError('again'))).toBe(false);
    expect(errors.toError(new Error('anything'), 'publish')).toBe(refusal);
    expect(errors.counts).toEqual({ errors: 3, unexpectedReplies: 1 });
    closed = true;
    errors.report(new UnexpectedReplyError('after close'));
    expect(seen).toHaveLength(3);
    expect(errors.toError('y', 'publish').message).toBe('publish: y true');
  });

  it('wraps a call: its result passes, its failure (sync or async) is mapped with the secrets', async () => {
    const errors = TransportErrors.of(
      (e, op, secrets, isClosed) =>
        new ConnectionLostError(`${op}: ${String(e)} [${secrets.join()}] ${isClosed}`),
      ['pw'],
      () => false,
    );
    await expect(errors.wrap('publish', async () => 42)).resolves.toBe(42);
    await expect(errors.wrap('publish', async () => Promise.reject('down'))).rejects.toThrow(
      'publish: down [pw] false',
    );
    await expect(
      errors.wrap('broadcast', () => {
        throw 'sync';
      }),
    ).rejects.toThrow('broadcast: sync [pw] false');
    expect(errors.wrapSync('listen', () => 'ok')).toBe('ok');
    expect(() =>
      errors.wrapSync('listen', () => {
        throw 'gone';
      }),
    ).toThrow(ConnectionLostError);
  });
});
