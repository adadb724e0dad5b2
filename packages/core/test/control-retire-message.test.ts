import { DEFAULT_STREAMS } from '@rendezvous-ml/core';
import {
  decodeControlMessage,
  encodeControlMessage,
  type RetireMessage,
} from '@rendezvous-ml/core/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const retire = (name: string, version: string, ts: number): RetireMessage => ({
  v: 1,
  kind: 'retire',
  model: { name, version },
  ts,
});

describe('retire message on the control channel', () => {
  it('round-trips, and ignores fields it does not know', () => {
    const encoded = encodeControlMessage(retire('dt', '1', 42));
    expect(decodeControlMessage(encoded)).toEqual({ ok: true, value: retire('dt', '1', 42) });
    const extended = {
      ...JSON.parse(encoded),
      reason: 'rollout',
      model: { name: 'dt', version: '1', x: 1 },
    };
    expect(decodeControlMessage(JSON.stringify(extended))).toEqual(decodeControlMessage(encoded));
    expect(DEFAULT_STREAMS.control).toBe('control');
  });

  it('names the field that is wrong', () => {
    const cases: [unknown, string][] = [
      [{ v: 2, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 0 }, '/v'],
      [{ v: 1, kind: 'retire', model: { name: 'dt', version: '' }, ts: 0 }, '/model/version'],
      [{ v: 1, kind: 'retire', model: 'dt@1', ts: 0 }, '/model'],
      [{ v: 1, kind: 'retire', model: { name: 'dt', version: '1' } }, '/ts'],
    ];
    for (const [message, path] of cases) {
      const decoded = decodeControlMessage(JSON.stringify(message));
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.error.path).toBe(path);
    }
    expect(decodeControlMessage('{nope').ok).toBe(false);
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
          const decoded = decodeControlMessage(raw);
          if (decoded.ok && decoded.value?.kind === 'retire') {
            expect(decoded.value.model.name.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});
