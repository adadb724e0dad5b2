import { encodeEnvelope, type RequestEnvelope, WIRE_VERSION } from './envelopes.js';
import { InvalidInputError } from './errors.js';

/**
 * Builds a request's envelope and its wire form, or the `InvalidInputError` to reject the call
 * with when the input cannot travel as JSON (nothing is published then).
 *
 * @example
 * ```ts
 * const built = buildRequest({ id: 'fe-1', now: 0, deadlineMs: 1000, replyTo: 'fe', input: { x: 1 }, meta: {} });
 * if (built instanceof InvalidInputError) throw built;
 * await transport.publish('requests', { key: built.envelope.id, payload: built.payload });
 * ```
 */
export function buildRequest<I>(fields: {
  readonly id: string;
  readonly now: number;
  readonly deadlineMs: number;
  readonly replyTo: string;
  readonly input: I;
  readonly meta: Readonly<Record<string, string>>;
}): { readonly envelope: RequestEnvelope<I>; readonly payload: string } | InvalidInputError {
  const { id, now, deadlineMs, replyTo, input, meta } = fields;
  const envelope: RequestEnvelope<I> = {
    v: WIRE_VERSION,
    id,
    ts: now,
    deadline: now + deadlineMs,
    replyTo,
    input,
    meta,
  };
  try {
    return { envelope, payload: encodeEnvelope(envelope) };
  } catch (cause) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    return new InvalidInputError(`request input must be JSON-serialisable${why}`, { cause });
  }
}
