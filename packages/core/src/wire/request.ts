import type { Decoded } from './decoded.js';
import { fail, meta, num, object, payload, str, version } from './fields.js';
import type { Json } from './json.js';
import { thawJson, wireDecoders } from './sealed.js';
import { WIRE_VERSION } from './version.js';

/**
 * A request as it travels on the requests stream.
 *
 * @example
 * ```ts
 * const req: RequestEnvelope = { v: 1, id: 'r1', ts: Date.now(), deadline: Date.now() + 1000,
 *   replyTo: 'replies.fe-1', input: { x: 1 }, meta: {} };
 * ```
 */
export interface RequestEnvelope<I = Json> {
  readonly v: typeof WIRE_VERSION;
  /** Unique request id; also the partition key on partitioned transports. */
  readonly id: string;
  /** When the front end accepted the request (ms since the epoch). */
  readonly ts: number;
  /** Absolute deadline (ms since the epoch). Workers never predict past it. */
  readonly deadline: number;
  /** Return address of the front-end instance that waits for the scores. */
  readonly replyTo: string;
  readonly input: I;
  /** Free-form string metadata, such as trace context. */
  readonly meta: Readonly<Record<string, string>>;
}

const decoders = wireDecoders(readRequest);

/**
 * Reads and validates a request envelope. Never throws: an invalid message yields `ok: false`.
 *
 * @example
 * ```ts
 * const r = decodeRequest(delivery.payload);
 * if (!r.ok) deadLetters.send(delivery, r.error);
 * ```
 */
export const decodeRequest: (raw: string) => Decoded<RequestEnvelope> = decoders.text;

/**
 * {@link decodeRequest} of an incoming message: its envelope object when it carries one
 * (same checks; the input and meta are copied, as each parse gave its own), its text otherwise.
 *
 * @example
 * ```ts
 * const r = decodeRequestMessage(delivery);
 * ```
 */
export const decodeRequestMessage: (message: {
  readonly payload: string;
  readonly envelope?: unknown;
}) => Decoded<RequestEnvelope> = decoders.message;

function readRequest(parsed: unknown, thaw: boolean, deep: boolean): RequestEnvelope {
  const o = object(parsed, '');
  version(o, '');
  if (!('input' in o)) fail('missing', '/input');
  const m = meta(o.meta, '/meta');
  return {
    v: WIRE_VERSION,
    id: str(o, 'id', ''),
    ts: num(o, 'ts', ''),
    deadline: num(o, 'deadline', ''),
    replyTo: str(o, 'replyTo', ''),
    input: thaw ? thawJson(o.input) : payload(o.input, '/input', deep),
    meta: thaw ? { ...m } : m,
  };
}
