import {
  DEFAULT_STREAMS,
  decodeRetireMessage,
  encodeRetireMessage,
  InvalidEnvelopeError,
  type RetireMessage,
} from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('retire message', () => {
  it('round-trips, and ignores fields it does not know', () => {
    const encoded = encodeRetireMessage({ name: 'dt', version: '1' }, 42);
    expect(decodeRetireMessage(encoded)).toEqual({
      v: 1,
      kind: 'retire',
      model: { name: 'dt', version: '1' },
      ts: 42,
    } satisfies RetireMessage);
    const extended = {
      ...JSON.parse(encoded),
      reason: 'rollout',
      model: { name: 'dt', version: '1', x: 1 },
    };
    expect(decodeRetireMessage(JSON.stringify(extended))).toEqual(decodeRetireMessage(encoded));
    expect(DEFAULT_STREAMS.control).toBe('control');
  });

  it('names the field that is wrong, and calls another kind of control message "not a retire message"', () => {
    const cases: [unknown, string][] = [
      [{ v: 1, kind: 'policy', version: 1, ts: 0 }, '/kind'],
      [{ v: 2, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 0 }, '/v'],
      [{ v: 1, kind: 'retire', model: { name: 'dt', version: '' }, ts: 0 }, '/model/version'],
      [{ v: 1, kind: 'retire', model: 'dt@1', ts: 0 }, '/model'],
      [{ v: 1, kind: 'retire', model: { name: 'dt', version: '1' } }, '/ts'],
    ];
    for (const [message, path] of cases) {
      const decoded = decodeRetireMessage(JSON.stringify(message));
      expect(decoded).toBeInstanceOf(InvalidEnvelopeError);
      expect((decoded as InvalidEnvelopeError).path).toBe(path);
    }
    expect(decodeRetireMessage('{nope')).toBeInstanceOf(InvalidEnvelopeError);
  });

  it('never throws, whatever arrives on the control channel', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (raw) => {
          const decoded = decodeRetireMessage(raw);
          if (!(decoded instanceof InvalidEnvelopeError)) {
            expect(decoded.kind).toBe('retire');
            expect(decoded.model.name.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});
