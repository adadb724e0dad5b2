/**
 * Object envelopes for in-process transports (`capabilities.envelopes`): what JSON text gave,
 * without the text. Sealing an envelope takes the snapshot a JSON round trip would give (`-0`
 * reads back as `0`, `undefined` properties are omitted, arrays and objects become plain ones,
 * an own `__proto__` key stays an own key) and freezes it, so no reader can change what another
 * reads; reading its parts for user code (a model's input, a score's output) copies them, as
 * `JSON.parse` gave each reader its own. What the strict encoder rejects, sealing rejects with
 * the same error.
 */
import { assertWireJson, type Json } from './json.js';

/** Snapshots made by {@link sealEnvelope} in this process: only they skip validation on arrival. */
const sealed = new WeakSet<object>();

/** Beyond this depth the snapshot defers to the text round trip (as `assertWireJson` does). */
const MAX_DEPTH = 64;

/** The JSON snapshot of `value`, frozen, or `undefined` if it is not plain JSON (or too deep). */
function snapshot(value: unknown, depth: number): unknown {
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
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v = snapshot(value[i], depth + 1);
      if (v === undefined) return undefined;
      out[i] = v;
    }
    return Object.freeze(out);
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const raw = record[key];
    if (raw === undefined) continue; // an absent optional field, as JSON omits it
    const v = snapshot(raw, depth + 1);
    if (v === undefined) return undefined;
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true });
    else out[key] = v;
  }
  return Object.freeze(out);
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
  let out = snapshot(envelope, 0) as T | undefined;
  if (out === undefined) {
    assertWireJson(envelope, ''); // throws the encoder's error for anything JSON would change
    out = freezeParsed(JSON.parse(JSON.stringify(envelope))) as T; // deeper than MAX_DEPTH
  }
  sealed.add(out);
  return out;
}

/**
 * The envelope object of an incoming message, if it carries one sealed by this process's core;
 * otherwise `undefined`, and the message is decoded from its `payload` text as before.
 *
 * @example
 * ```ts
 * const o = sealedEnvelope(delivery) ?? JSON.parse(delivery.payload);
 * ```
 */
export function sealedEnvelope(message: { readonly envelope?: unknown }): object | undefined {
  const e = message.envelope;
  return typeof e === 'object' && e !== null && sealed.has(e) ? e : undefined;
}

/**
 * A mutable copy of a part of a sealed envelope, for user code: what `JSON.parse` of its text
 * would give (a model may change its input without changing another model's).
 *
 * @example
 * ```ts
 * const input = thawJson(request.input);
 * ```
 */
export function thawJson(value: unknown): Json {
  if (typeof value !== 'object' || value === null) return value as Json;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array<Json>(n);
    for (let i = 0; i < n; i++) out[i] = thawJson(value[i]);
    return out;
  }
  const out: Record<string, Json> = {};
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = thawJson(record[key]);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

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
  let text: string | undefined;
  const message = {
    key,
    get payload(): string {
      text ??= JSON.stringify(envelope);
      return text;
    },
  };
  return withEnvelope(message, envelope);
}

/**
 * Attaches `envelope` to a message as a read-only, non-enumerable property (see
 * {@link envelopeMessage}); transports that carry envelopes use it on what they deliver.
 *
 * @example
 * ```ts
 * const delivery = withEnvelope({ source: 's', id: '1', payload: '{}' }, sent.envelope);
 * ```
 */
export function withEnvelope<M extends object>(message: M, envelope: unknown): M & { readonly envelope: object } {
  Object.defineProperty(message, 'envelope', { value: envelope });
  return message as M & { readonly envelope: object };
}
