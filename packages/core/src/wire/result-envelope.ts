import type { RendezvousResult } from '../result.js';
import type { Decoded } from './decoded.js';
import {
  array,
  candidate,
  decision,
  fail,
  guard,
  mayOverflow,
  model,
  num,
  object,
  parseJson,
  payload,
  scoreError,
  str,
  version,
} from './fields.js';
import type { Json } from './json.js';
import { WIRE_VERSION } from './version.js';

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
    const deep = mayOverflow(raw);
    version(o, '');
    if (!('input' in o)) fail('missing', '/input');
    const base = {
      v: WIRE_VERSION,
      requestId: str(o, 'requestId', ''),
      input: payload(o.input, '/input', deep),
      candidates: array(o.candidates, '/candidates').map((c, i) =>
        candidate(c, `/candidates/${i}`, deep),
      ),
      late: array(o.late, '/late').map((c, i) => candidate(c, `/late/${i}`, deep)),
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
          output: payload(c.output, '/chosen/output', deep),
          latencyMs: num(c, 'latencyMs', '/chosen'),
        },
      };
    }
    if (o.status === 'failed')
      return { ...base, status: 'failed', error: scoreError(o.error, '/error') };
    return fail('expected "answered" or "failed"', '/status');
  });
}
