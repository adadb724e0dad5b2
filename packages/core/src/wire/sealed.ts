/**
 * Object envelopes for in-process transports (`capabilities.envelopes`): what JSON text gave,
 * without the text. Sealing an envelope takes the snapshot a JSON round trip would give (`-0`
 * reads back as `0`, `undefined` properties are omitted, arrays and objects become plain ones,
 * an own `__proto__` key stays an own key) and freezes it, so no reader can change what another
 * reads; reading its parts for user code (a model's input, a score's output) copies them, as
 * `JSON.parse` gave each reader its own. What the strict encoder rejects, sealing rejects with
 * the same error.
 */
import { InvalidEnvelopeError } from '../errors.js';
import type { Decoded } from './decoded.js';
import { guard, mayOverflow, parseJson } from './fields.js';
import { assertWireJson, type Json } from './json.js';

/** Beyond this depth the snapshot defers to the text round trip (as `assertWireJson` does). */
const MAX_DEPTH = 64;

/**
 * The JSON snapshot of `value` (frozen with `freeze`), or `undefined` if it is not plain JSON
 * or is nested too deep.
 */
function snapshot(value: unknown, depth: number, freeze: boolean): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return undefined;
      return value === 0 ? 0 : value; // JSON writes -0 as 0
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const n = value.length;
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const v = snapshot(value[i], depth + 1, freeze);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return freeze ? Object.freeze(out) : out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // for...in walks no inherited keys here (a plain or null prototype) and allocates no key list.
  for (const key in record) {
    const raw = record[key];
    if (raw === undefined) continue; // an absent optional field, as JSON omits it
    const v = snapshot(raw, depth + 1, freeze);
    if (v === undefined) return undefined;
    if (key === '__proto__') Object.defineProperty(out, key, { ...PROTO_KEY, value: v });
    else out[key] = v;
  }
  return freeze ? Object.freeze(out) : out;
}

/** A deep freeze of a value fresh from `JSON.parse` (the deep fallback). */
function freezeParsed(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) freezeParsed(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The frozen JSON snapshot of a value the strict encoder accepts (it throws the encoder's
 * {@link InvalidEnvelopeError} otherwise), recognised on arrival by {@link sealedEnvelope}.
 * Used by `sealEnvelope`, which checks the required payload fields first.
 *
 * @example
 * ```ts
 * const env = sealJson({ v: 1, id: 'r1', input: [-0] }); // frozen; env.input is [0]
 * ```
 */
export function sealJson<T extends object>(envelope: T): T {
  let out = snapshot(envelope, 0, true) as T | undefined;
  if (out === undefined) {
    assertWireJson(envelope, ''); // throws the encoder's error for anything JSON would change
    out = freezeParsed(JSON.parse(JSON.stringify(envelope))) as T; // deeper than MAX_DEPTH
  }
  return out;
}

/**
 * The two decoders of one record kind, built from its field reader: `text` decodes JSON text
 * (walking the payload fields only when the text {@link mayOverflow}); `message` decodes an
 * incoming message from its envelope object when it carries one (same checks, the payload
 * copied with {@link thawJson}) and from its text otherwise.
 *
 * @example
 * ```ts
 * const { text: decodeRequest, message: decodeRequestMessage } = wireDecoders(readRequest);
 * ```
 */
export function wireDecoders<T>(read: (parsed: unknown, thaw: boolean, deep: boolean) => T): {
  readonly text: (raw: string) => Decoded<T>;
  readonly message: (message: {
    readonly payload: string;
    readonly envelope?: unknown;
  }) => Decoded<T>;
} {
  const text = (raw: string): Decoded<T> =>
    guard(() => read(parseJson(raw), false, mayOverflow(raw)));
  const message = (m: { readonly payload: string; readonly envelope?: unknown }): Decoded<T> => {
    const e = m.envelope;
    if (typeof e === 'object' && e !== null) {
      const decoded = guard(() => read(e, true, false));
      if (decoded.ok) return decoded;
    }
    return text(m.payload);
  };
  return { text, message };
}

/**
 * A mutable copy of a part of an envelope object, for user code: what `JSON.parse` of its text
 * would give (a model may change its input without changing another model's). Throws if the
 * part is not plain JSON (an envelope that did not come from `sealEnvelope`): the caller then
 * decodes the message's text instead.
 *
 * @example
 * ```ts
 * const input = thawJson(request.input);
 * ```
 */
export function thawJson(value: unknown): Json {
  const out = snapshot(value, 0, false);
  if (out === undefined) throw new InvalidEnvelopeError('envelope object is not plain JSON', '');
  return out as Json;
}

/** An own `__proto__` data property, as `JSON.parse` creates it. */
const PROTO_KEY = { enumerable: true, writable: true, configurable: true } as const;

/**
 * A message carrying a sealed envelope, for a transport with `capabilities.envelopes`. Its
 * `payload` is the envelope's JSON text, computed once on first read: a transport, archiver or
 * tap that reads the text gets exactly what the text path would have sent. `envelope` is not
 * enumerable, so a wrapper that rebuilds the message (`{ ...m, payload: other }`) drops it and
 * its readers get the text it sent.
 *
 * @example
 * ```ts
 * await transport.publish('requests', envelopeMessage(req.id, sealEnvelope(req)));
 * ```
 */
export function envelopeMessage(
  key: string,
  envelope: object,
): { readonly key: string; readonly envelope: object; readonly payload: string } {
  return new EnvelopeMessage(key, envelope);
}

/** `payload` as an own enumerable accessor (a spread copy keeps the text), one shared getter. */
const LAZY_PAYLOAD: PropertyDescriptor = {
  enumerable: true,
  get(this: EnvelopeMessage): string {
    return this.text();
  },
};

class EnvelopeMessage {
  declare readonly payload: string;
  #text: string | undefined;
  readonly #envelope: object;

  constructor(
    readonly key: string,
    envelope: object,
  ) {
    this.#envelope = envelope;
    Object.defineProperty(this, 'payload', LAZY_PAYLOAD);
  }

  /** On the prototype, so not enumerable: a rebuilt copy of the message drops it. */
  get envelope(): object {
    return this.#envelope;
  }

  text(): string {
    this.#text ??= JSON.stringify(this.#envelope);
    return this.#text;
  }
}
