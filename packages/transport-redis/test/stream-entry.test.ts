import { UnexpectedReplyError } from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReadReply } from '../src/stream-entry.js';
import { toTransportError } from '../src/to-transport-error.js';

const entries = fc.array(
  fc.tuple(
    fc.string({ minLength: 1 }),
    fc.option(fc.array(fc.string(), { maxLength: 6 }), { nil: null }),
  ),
  { maxLength: 4 },
);
const streams = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), entries), {
  selector: ([name]) => name,
  maxLength: 4,
});

describe('parseReadReply', () => {
  it('reads the RESP2 shape of ioredis 5 and the flattened RESP3 map of ioredis 6 alike', () => {
    fc.assert(
      fc.property(streams, (batches) => {
        const resp2 = batches.map(([s, e]) => [s, e]);
        const resp3 = batches.flat();
        const expected = batches.map(([stream, e]) => ({
          stream,
          entries: e.map(([id, fields]) => ({ id, fields })),
        }));
        expect(parseReadReply(resp2)).toEqual(expected);
        expect(parseReadReply(resp3)).toEqual(expected);
        expect(parseReadReply(new Map(batches))).toEqual(expected);
      }),
    );
  });

  it('reads null (a timeout) as nothing', () => {
    expect(parseReadReply(null)).toEqual([]);
  });

  it('throws UnexpectedReplyError on a shape it does not know, rather than reading nothing', () => {
    for (const reply of [
      42,
      'OK',
      ['s'],
      [['s', 'not entries']],
      [['s', [['id', 'x']]]],
      [[1, []]],
    ]) {
      expect(() => parseReadReply(reply)).toThrow(UnexpectedReplyError);
    }
  });
});

describe('toTransportError', () => {
  const code = (message: string, name = 'ReplyError') =>
    toTransportError(Object.assign(new Error(message), { name }), 'publish', ['s3cret'], false);

  it('maps refused credentials and missing permissions to AUTHENTICATION_FAILED, not retryable', () => {
    for (const m of [
      'WRONGPASS invalid username-password pair or user is disabled.',
      'NOAUTH Authentication required.',
      "NOPERM User u has no permissions to run the 'xadd' command",
      'ERR invalid password',
    ]) {
      const e = code(m);
      expect([e.code, e.retryable]).toEqual(['AUTHENTICATION_FAILED', false]);
    }
  });

  it('maps lost connections and passing server states to CONNECTION_LOST, retryable', () => {
    for (const [m, name] of [
      ['connect ECONNREFUSED 127.0.0.1:6390', 'Error'],
      ['read ECONNRESET', 'Error'],
      ['connect ETIMEDOUT', 'Error'],
      ['Connection is closed.', 'Error'],
      ['Reached the max retries per request limit (which is 2).', 'MaxRetriesPerRequestError'],
      ['LOADING Redis is loading the dataset in memory', 'ReplyError'],
      ['BUSY Redis is busy running a script.', 'ReplyError'],
      ['TRYAGAIN Multiple keys request during rehashing of slot', 'ReplyError'],
      ['CLUSTERDOWN The cluster is down', 'ReplyError'],
      ['MASTERDOWN Link with MASTER is down', 'ReplyError'],
      ["READONLY You can't write against a read only replica.", 'ReplyError'],
    ] as const) {
      const e = code(m, name);
      expect([m, e.code, e.retryable]).toEqual([m, 'CONNECTION_LOST', true]);
    }
  });

  it('labels any other failure honestly, not retryable, with secrets redacted', () => {
    const e = code('WRONGTYPE Operation against a key holding the wrong kind of value s3cret');
    expect([e.code, e.retryable]).toEqual(['UNEXPECTED_REPLY', false]);
    expect(e.message).not.toContain('s3cret');
    expect(JSON.stringify(e)).not.toContain('s3cret');
  });
});
