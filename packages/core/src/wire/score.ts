import type { Decoded } from './decoded.js';
import { fail, model, num, object, payload, str, version } from './fields.js';
import type { Json } from './json.js';
import type { ModelIdentity } from './model-identity.js';
import type { ScoreError } from './score-error.js';
import { thawJson, wireDecoders } from './sealed.js';
import { WIRE_VERSION } from './version.js';

/**
 * One model's answer to one request, sent to the request's return address.
 *
 * @example
 * ```ts
 * const s: ScoreEnvelope = { v: 1, requestId: 'r1', model: { name: 'dt', version: '1', instance: 'a' },
 *   ok: true, output: 2, receivedAt: 1, startedAt: 1, finishedAt: 2 };
 * ```
 */
export type ScoreEnvelope<O = Json> = {
  readonly v: typeof WIRE_VERSION;
  readonly requestId: string;
  readonly model: ModelIdentity;
  /** When the worker read the request, started and finished predicting (ms since the epoch). */
  readonly receivedAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
} & (
  | { readonly ok: true; readonly output: O }
  | { readonly ok: false; readonly error: ScoreError }
);

const decoders = wireDecoders(readScore);

/**
 * Reads and validates a score envelope. Never throws: an invalid message yields `ok: false`.
 *
 * @example
 * ```ts
 * const s = decodeScore(message.payload);
 * if (s.ok) mailbox.add(s.value);
 * ```
 */
export const decodeScore: (raw: string) => Decoded<ScoreEnvelope> = decoders.text;

/**
 * {@link decodeScore} of an incoming message: its envelope object when it carries one
 * (same checks; the output is copied, as each parse gave its own), its text otherwise.
 *
 * @example
 * ```ts
 * const s = decodeScoreMessage(message);
 * ```
 */
export const decodeScoreMessage: (message: {
  readonly payload: string;
  readonly envelope?: unknown;
}) => Decoded<ScoreEnvelope> = decoders.message;

function readScore(parsed: unknown, thaw: boolean, deep: boolean): ScoreEnvelope {
  const o = object(parsed, '');
  version(o, '');
  const base = {
    v: WIRE_VERSION,
    requestId: str(o, 'requestId', ''),
    model: model(o.model, '/model'),
    receivedAt: num(o, 'receivedAt', ''),
    startedAt: num(o, 'startedAt', ''),
    finishedAt: num(o, 'finishedAt', ''),
  } as const;
  if (o.ok === true) {
    if (!('output' in o)) fail('missing', '/output');
    return {
      ...base,
      ok: true,
      output: thaw ? thawJson(o.output) : payload(o.output, '/output', deep),
    };
  }
  if (o.ok === false) {
    const e = object(o.error, '/error');
    return {
      ...base,
      ok: false,
      error: { code: str(e, 'code', '/error'), message: str(e, 'message', '/error', true) },
    };
  }
  return fail('expected a boolean', '/ok');
}
