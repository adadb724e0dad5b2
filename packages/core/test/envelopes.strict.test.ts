import {
  first,
  InvalidEnvelopeError,
  InvalidInputError,
  type RequestEnvelope,
} from '@rendezvous-ml/core';
import { assertWireJson, encodeEnvelope, WIRE_VERSION } from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';
import { frontEndRig, tapStream, track } from './harness.js';

const requestWith = (input: unknown): RequestEnvelope<unknown> => ({
  v: WIRE_VERSION,
  id: 'fe-1',
  ts: 0,
  deadline: 1000,
  replyTo: 'replies.fe',
  input,
  meta: {},
});

/** The error `encodeEnvelope` throws for a request carrying `input`. */
function encodeError(input: unknown): InvalidEnvelopeError {
  try {
    encodeEnvelope(requestWith(input));
  } catch (error) {
    if (error instanceof InvalidEnvelopeError) return error;
    throw new Error(`expected an InvalidEnvelopeError, got ${String(error)}`);
  }
  throw new Error('expected encodeEnvelope to throw');
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('encodeEnvelope is strict: it refuses what JSON would silently change', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const cases: [string, unknown, string, RegExp][] = [
    ['NaN', { features: [1, 2, Number.NaN] }, '/input/features/2', /NaN is not JSON/],
    ['Infinity', { x: Number.POSITIVE_INFINITY }, '/input/x', /Infinity is not JSON/],
    ['-Infinity', [Number.NEGATIVE_INFINITY], '/input/0', /-Infinity is not JSON/],
    ['a function input', () => 1, '/input', /function/],
    ['a function property', { f: () => 1 }, '/input/f', /function/],
    ['a symbol', { s: Symbol('s') }, '/input/s', /symbol/],
    ['a BigInt', { n: 10n }, '/input/n', /bigint/],
    ['undefined input', undefined, '/input', /undefined/],
    ['undefined in an array', [1, undefined], '/input/1', /undefined/],
    ['a hole in an array', sparse, '/input/1', /undefined/],
    ['a cycle', cyclic, '/input/self', /cycl/],
    ['a Date', { at: new Date(0) }, '/input/at', /Date/],
    ['a Map', { m: new Map([[1, 2]]) }, '/input/m', /Map/],
    ['a class instance', { p: new Point(1, 2) }, '/input/p', /Point/],
    ['a boxed number', { n: new Number(1) }, '/input/n', /Number/],
  ];
  it.each(cases)('rejects %s with the path of the offending value', (_, input, path, message) => {
    const error = encodeError(input);
    expect(error.code).toBe('INVALID_ENVELOPE');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('keeps plain JSON as it is, including null-prototype objects and shared (acyclic) references', () => {
    const shared = { k: 'v' };
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const input = { a: [1, -2.5, null, true, 'é'], b: shared, c: shared, bare, empty: {} };
    expect(JSON.parse(encodeEnvelope(requestWith(input)))).toEqual(requestWith(input));
  });

  it('omits an object property whose value is undefined, as an absent optional field', () => {
    expect(JSON.parse(encodeEnvelope(requestWith({ a: 1, b: undefined }))).input).toEqual({ a: 1 });
  });

  it('checks the envelope fields too, not only the payload', () => {
    expect(() => encodeEnvelope({ ...requestWith(1), deadline: Number.NaN })).toThrow(
      /\/deadline: NaN is not JSON/,
    );
  });
});

describe('assertWireJson', () => {
  it('accepts JSON values and names the path of the first value that is not', () => {
    expect(() => assertWireJson({ a: [1, 'x', null] }, '/output')).not.toThrow();
    expect(() => assertWireJson({ a: [1, Number.NaN] }, '/output')).toThrow(
      expect.objectContaining({ code: 'INVALID_ENVELOPE', path: '/output/a/1' }),
    );
  });

  it('escapes "/" and "~" in keys as a JSON pointer does', () => {
    expect(() => assertWireJson({ 'a/b': { '~': Number.NaN } }, '')).toThrow(
      expect.objectContaining({ path: '/a~1b/~0' }),
    );
  });
});

describe('request() refuses input that is not JSON, and publishes nothing', () => {
  const inputs: [string, unknown][] = [
    ['NaN', Number.NaN],
    ['{ x: Infinity }', { x: Number.POSITIVE_INFINITY }],
    ['a function', () => 1],
    ['a BigInt', 1n],
    ['a Date', new Date(0)],
  ];
  it.each(inputs)('request(%s) rejects with INVALID_INPUT at once', async (_, input) => {
    const b = await frontEndRig(first(), ['dt@1']);
    const published = await tapStream(b.transport, 'requests');
    const t = track(b.rendezvous.request(input as never), b.clock);
    await b.clock.tick();
    expect(t.state).toBe('rejected');
    expect(t.error).toBeInstanceOf(InvalidInputError);
    expect((t.error as InvalidInputError).code).toBe('INVALID_INPUT');
    expect((t.error as InvalidInputError).cause).toBeInstanceOf(InvalidEnvelopeError);
    expect(t.at).toBe(0);
    await b.clock.advance(2000);
    expect(published).toHaveLength(0);
    expect(b.calls).toEqual([]);
    expect(b.rendezvous.stats().inFlight).toBe(0);
    await b.close();
  });
});
