/**
 * Property tests of the wire codec: no input crashes a decoder, and whatever a decoder accepts
 * survives a round trip through `encodeEnvelope` unchanged.
 */
import {
  type Decoded,
  InvalidEnvelopeError,
  type Json,
  type RequestEnvelope,
  type ResultEnvelope,
  type ScoreEnvelope,
} from '@rendezvous-ml/core';
import {
  decodeHeartbeat,
  decodeRequest,
  decodeResult,
  decodeScore,
  encodeEnvelope,
  encodeHeartbeat,
} from '@rendezvous-ml/core/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Envelope = RequestEnvelope | ScoreEnvelope | ResultEnvelope;

const decoders: Record<string, (raw: string) => Decoded<Envelope>> = {
  decodeRequest,
  decodeScore,
  decodeResult,
};

// JSON.parse('-0') is -0 and JSON writes it as 0: the one value that cannot survive a round trip
// bit for bit, though it is the same number. Compare with it normalised.
const noNegativeZero = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_, v: unknown) => (Object.is(v, -0) ? 0 : v)));

const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
const text = fc.string({ maxLength: 12 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 12 });
const time = fc.integer({ min: 0, max: 2 ** 42 });
const model = fc.record({ name: nonEmpty, version: nonEmpty, instance: nonEmpty });
const scoreError = fc.record({ code: nonEmpty, message: text });

const request: fc.Arbitrary<RequestEnvelope> = fc.record({
  v: fc.constant(1 as const),
  id: nonEmpty,
  ts: time,
  deadline: time,
  replyTo: nonEmpty,
  input: json,
  meta: fc.dictionary(text, text, { maxKeys: 3 }),
});

const score: fc.Arbitrary<ScoreEnvelope> = fc
  .tuple(
    fc.record({
      v: fc.constant(1 as const),
      requestId: nonEmpty,
      model,
      receivedAt: time,
      startedAt: time,
      finishedAt: time,
    }),
    fc.oneof(
      fc.record({ ok: fc.constant(true as const), output: json }),
      fc.record({ ok: fc.constant(false as const), error: scoreError }),
    ),
  )
  .map(([base, outcome]) => ({ ...base, ...outcome }));

const candidate = fc.oneof(
  fc.record({
    model: fc.record({ name: nonEmpty, version: nonEmpty }),
    status: fc.constant('pending' as const),
  }),
  fc.record({ model, status: fc.constant('ok' as const), output: json, latencyMs: time }),
  fc.record({ model, status: fc.constant('error' as const), error: scoreError, latencyMs: time }),
);

const result: fc.Arbitrary<ResultEnvelope> = fc
  .tuple(
    fc.record({
      v: fc.constant(1 as const),
      requestId: nonEmpty,
      input: json,
      candidates: fc.array(candidate, { maxLength: 3 }),
      late: fc.array(candidate, { maxLength: 2 }),
      decidedBy: fc.record({
        policy: nonEmpty,
        reason: text,
        trigger: fc.constantFrom(
          'score' as const,
          'wake' as const,
          'deadline' as const,
          'registry' as const,
        ),
      }),
      startedAt: time,
      decidedAt: time,
      latencyMs: time,
    }),
    fc.oneof(
      fc.record({
        status: fc.constant('answered' as const),
        chosen: fc.record({ model, output: json, latencyMs: time }),
      }),
      fc.record({ status: fc.constant('failed' as const), error: scoreError }),
    ),
  )
  .map(([base, outcome]) => ({ ...base, ...outcome }) as ResultEnvelope);

const valid: Record<string, fc.Arbitrary<Envelope>> = {
  decodeRequest: request,
  decodeScore: score,
  decodeResult: result,
};

/** A path into a JSON value, and what to do there: delete the field or replace the value. */
function mutate(value: Json, steps: readonly number[], replacement: Json | undefined): Json {
  if (steps.length === 0 || value === null || typeof value !== 'object') return replacement ?? null;
  const [step, ...rest] = steps as [number, ...number[]];
  if (Array.isArray(value)) {
    if (value.length === 0) return value;
    const i = step % value.length;
    return value.map((v, j) => (j === i ? mutate(v, rest, replacement) : v));
  }
  const obj = value as Record<string, Json>;
  const keys = Object.keys(obj);
  if (keys.length === 0) return value;
  const key = keys[step % keys.length]!;
  const copy: Record<string, Json> = { ...obj };
  if (rest.length === 0 && replacement === undefined) delete copy[key];
  else copy[key] = mutate(obj[key]!, rest, replacement);
  return copy;
}

const mutation = fc.tuple(
  fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  fc.option(fc.oneof(json, fc.constantFrom<Json>(null, '', 0, -1, 1.5, true, [], {})), {
    nil: undefined,
  }),
);

/** Asserts a decoder's answer is well formed and, if it accepted, that the value round-trips. */
function checkDecoded(decode: (raw: string) => Decoded<Envelope>, raw: string): void {
  const d = decode(raw);
  if (!d.ok) {
    expect(d.error).toBeInstanceOf(InvalidEnvelopeError);
    expect(typeof d.error.path).toBe('string');
    return;
  }
  const wire = encodeEnvelope(d.value);
  const again = decode(wire);
  expect(again.ok).toBe(true);
  if (again.ok) expect(noNegativeZero(again.value)).toEqual(noNegativeZero(d.value));
  expect(encodeEnvelope(again.ok ? again.value : d.value)).toBe(wire);
}

describe.each(Object.keys(decoders))(
  '%s never crashes, and what it accepts round-trips',
  (name) => {
    const decode = decoders[name]!;

    it('on arbitrary strings', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (raw) =>
          checkDecoded(decode, raw),
        ),
        {
          numRuns: 300,
        },
      );
    });

    it('on arbitrary JSON values', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => checkDecoded(decode, JSON.stringify(value))),
        {
          numRuns: 300,
        },
      );
    });

    it('accepts every valid envelope, and decodes it to a deep-equal value', () => {
      fc.assert(
        fc.property(valid[name]!, (envelope) => {
          const d = decode(encodeEnvelope(envelope));
          expect(d.ok ? undefined : d.error.message).toBeUndefined();
          if (d.ok) expect(noNegativeZero(d.value)).toEqual(noNegativeZero(envelope));
          checkDecoded(decode, encodeEnvelope(envelope));
        }),
        { numRuns: 200 },
      );
    });

    it('on valid envelopes with one field deleted or replaced', () => {
      fc.assert(
        fc.property(valid[name]!, mutation, (envelope, [steps, replacement]) => {
          const mutated = mutate(JSON.parse(encodeEnvelope(envelope)) as Json, steps, replacement);
          checkDecoded(decode, JSON.stringify(mutated));
        }),
        { numRuns: 300 },
      );
    });

    it('on truncated or spliced wire text', () => {
      fc.assert(
        fc.property(valid[name]!, fc.nat(), text, (envelope, at, insert) => {
          const wire = encodeEnvelope(envelope);
          const i = at % (wire.length + 1);
          checkDecoded(decode, wire.slice(0, i));
          checkDecoded(decode, `${wire.slice(0, i)}${insert}${wire.slice(i)}`);
        }),
        { numRuns: 200 },
      );
    });
  },
);

describe('decodeHeartbeat never crashes', () => {
  it('on arbitrary strings and JSON values; what it accepts is a heartbeat that round-trips', () => {
    const raw = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            v: fc.constantFrom<Json>(1, 2, '1'),
            kind: fc.constantFrom<Json>('alive', 'leaving', 'probe', 'other', 3),
            model: fc.oneof(model, json),
            intervalMs: fc.oneof(time, json),
            ts: fc.oneof(time, json),
          },
          { requiredKeys: [] },
        )
        .map((h) => JSON.stringify(h)),
    );
    fc.assert(
      fc.property(raw, (r) => {
        const d = decodeHeartbeat(r);
        if (!d.ok) return;
        const h = d.value;
        expect(h.v).toBe(1);
        expect(['alive', 'leaving', 'probe']).toContain(h.kind);
        expect(decodeHeartbeat(encodeHeartbeat(h))).toEqual(d);
      }),
      { numRuns: 500 },
    );
  });
});
