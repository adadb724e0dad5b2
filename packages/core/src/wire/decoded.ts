import type { InvalidEnvelopeError } from '../errors.js';

/**
 * The outcome of decoding a wire message.
 *
 * @example
 * ```ts
 * const d: Decoded<RequestEnvelope> = decodeRequest(raw);
 * if (d.ok) console.log(d.value.id); else console.log(d.error.path);
 * ```
 */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: InvalidEnvelopeError };
