import {
  array,
  candidate,
  decision,
  fail,
  guard,
  meta,
  model,
  num,
  object,
  parseJson,
  scoreError,
  str,
  version,
} from './envelope-fields.js';
import type { InvalidEnvelopeError } from './errors.js';
import type { RendezvousResult } from './result.js';
import { assertWireJson } from './wire-json.js';

/**
 * The wire format version this build writes and reads.
 *
 * @example
 * ```ts
 * if (envelope.v !== WIRE_VERSION) console.warn('written by another version');
 * ```
 */
export const WIRE_VERSION = 1;

/**
 * Any JSON value. Inputs and outputs travel as JSON.
 *
 * @example
 * ```ts
 * const input: Json = { sepalLength: 5.1, tags: ['a'] };
 * ```
 */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [key: string]: Json };

/**
 * Identity of one model instance: the model name, its version, and the worker instance.
 *
 * @example
 * ```ts
 * const id: ModelIdentity = { name: 'dt', version: '1', instance: 'dt-1-host-a' };
 * ```
 */
export interface ModelIdentity {
  readonly name: string;
  readonly version: string;
  readonly instance: string;
}

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

/**
 * A failed prediction, as carried by a score.
 *
 * @example
 * ```ts
 * const e: ScoreError = { code: 'PREDICT_TIMEOUT', message: 'predict took longer than 50 ms' };
 * ```
 */
export interface ScoreError {
  readonly code: string;
  readonly message: string;
}

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

/**
 * A front end's final record of one request, as it travels on the results stream (published
 * when `RendezvousOptions.publishResults` is on): the {@link RendezvousResult} that `results$`
 * emits — chosen score, every candidate, late scores, how it was decided — with the wire version.
 *
 * @example
 * ```ts
 * const r: ResultEnvelope = { v: 1, requestId: 'r1', input: { x: 1 }, status: 'answered',
 *   chosen: { model: { name: 'dt', version: '1', instance: 'a' }, output: 2, latencyMs: 3 },
 *   candidates: [{ model: { name: 'dt', version: '1', instance: 'a' }, status: 'ok', output: 2, latencyMs: 3 }],
 *   late: [], decidedBy: { policy: 'first', reason: 'dt@1', trigger: 'score' },
 *   startedAt: 0, decidedAt: 3, latencyMs: 3 };
 * ```
 */
export interface ResultEnvelope<I = Json, O = Json> extends RendezvousResult<I, O> {
  readonly v: typeof WIRE_VERSION;
}

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

/**
 * Reads and validates a request envelope. Never throws: an invalid message yields `ok: false`.
 *
 * @example
 * ```ts
 * const r = decodeRequest(delivery.payload);
 * if (!r.ok) deadLetters.send(delivery, r.error);
 * ```
 */
export function decodeRequest(raw: string): Decoded<RequestEnvelope> {
  return guard(() => {
    const o = object(parseJson(raw), '');
    version(o, '');
    if (!('input' in o)) fail('missing', '/input');
    return {
      v: WIRE_VERSION,
      id: str(o, 'id', ''),
      ts: num(o, 'ts', ''),
      deadline: num(o, 'deadline', ''),
      replyTo: str(o, 'replyTo', ''),
      input: o.input as Json,
      meta: meta(o.meta, '/meta'),
    };
  });
}

/**
 * Reads and validates a score envelope. Never throws: an invalid message yields `ok: false`.
 *
 * @example
 * ```ts
 * const s = decodeScore(message.payload);
 * if (s.ok) mailbox.add(s.value);
 * ```
 */
export function decodeScore(raw: string): Decoded<ScoreEnvelope> {
  return guard(() => {
    const o = object(parseJson(raw), '');
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
      return { ...base, ok: true, output: o.output as Json };
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
  });
}

/**
 * Reads and validates a result envelope. Never throws: an invalid message yields `ok: false`.
 * An `answered` result must carry `chosen`, a `failed` one `error`.
 *
 * @example
 * ```ts
 * const r = decodeResult(delivery.payload);
 * if (r.ok) console.log(r.value.requestId, r.value.chosen?.model.name);
 * else await deadLetters.send(delivery, r.error);
 * ```
 */
export function decodeResult(raw: string): Decoded<ResultEnvelope> {
  return guard(() => {
    const o = object(parseJson(raw), '');
    version(o, '');
    if (!('input' in o)) fail('missing', '/input');
    const base = {
      v: WIRE_VERSION,
      requestId: str(o, 'requestId', ''),
      input: o.input as Json,
      candidates: array(o.candidates, '/candidates').map((c, i) =>
        candidate(c, `/candidates/${i}`),
      ),
      late: array(o.late, '/late').map((c, i) => candidate(c, `/late/${i}`)),
      decidedBy: decision(o.decidedBy, '/decidedBy'),
      startedAt: num(o, 'startedAt', ''),
      decidedAt: num(o, 'decidedAt', ''),
      latencyMs: num(o, 'latencyMs', ''),
    } as const;
    if (o.status === 'answered') {
      const c = object(o.chosen, '/chosen');
      if (!('output' in c)) fail('missing', '/chosen/output');
      return {
        ...base,
        status: 'answered',
        chosen: {
          model: model(c.model, '/chosen/model'),
          output: c.output as Json,
          latencyMs: num(c, 'latencyMs', '/chosen'),
        },
      };
    }
    if (o.status === 'failed')
      return { ...base, status: 'failed', error: scoreError(o.error, '/error') };
    return fail('expected "answered" or "failed"', '/status');
  });
}

type AnyEnvelope =
  | RequestEnvelope<unknown>
  | ScoreEnvelope<unknown>
  | ResultEnvelope<unknown, unknown>;

/** The payload fields an envelope cannot do without (an omitted one would read back as missing). */
function requirePayload(envelope: AnyEnvelope): void {
  const e = envelope as Partial<Record<'input' | 'output' | 'status' | 'ok', unknown>> & {
    chosen?: { output?: unknown };
  };
  const missing = (path: string): never =>
    fail('undefined is not JSON (a value is required here)', path);
  if ('replyTo' in envelope || 'status' in envelope) {
    if (e.input === undefined) missing('/input');
  }
  if (e.ok === true && e.output === undefined) missing('/output');
  if (e.status === 'answered' && e.chosen?.output === undefined) missing('/chosen/output');
}

/**
 * Serialises an envelope to its wire form, strictly: it throws an {@link InvalidEnvelopeError}
 * (with a JSON-pointer `path` such as `/input/features/2`) rather than write anything that
 * would read back different, such as `NaN`, a function, a `Date` or a cycle; see
 * {@link assertWireJson} for the rule. A request's `input`, an ok score's `output` and a
 * result's `input` are required.
 *
 * @example
 * ```ts
 * await transport.publish('requests', { key: req.id, payload: encodeEnvelope(req) });
 * ```
 */
export function encodeEnvelope(
  envelope: RequestEnvelope<unknown> | ScoreEnvelope<unknown> | ResultEnvelope<unknown, unknown>,
): string {
  requirePayload(envelope);
  // One check walk, then the native serialiser at full speed (a replacer would slow it down).
  assertWireJson(envelope, '');
  return JSON.stringify(envelope);
}
