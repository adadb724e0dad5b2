import type { Decoded } from './decoded.js';
import { guard, num, object, parseJson, str, version } from './fields.js';
import { WIRE_VERSION } from './version.js';

/**
 * What is written to the dead-letter stream: the raw message, where it came from, and why.
 *
 * @example
 * ```ts
 * const rec: DeadLetterRecord = { v: 1, component: 'worker dt@1', source: 'requests', id: '1-0',
 *   reason: { code: 'INVALID_ENVELOPE', message: 'payload is not valid JSON' }, payload: 'oops', at: 0 };
 * ```
 */
export interface DeadLetterRecord {
  readonly v: typeof WIRE_VERSION;
  readonly component: string;
  readonly source: string;
  readonly id: string;
  readonly reason: { readonly code: string; readonly message: string };
  readonly payload: string;
  readonly at: number;
}

/**
 * Reads and validates a record of the dead-letter stream (what {@link DeadLetters} writes), as
 * `schemas/dead-letter.schema.json` describes it. Never throws: an invalid record yields
 * `ok: false` with the JSON-pointer path of the first bad field.
 *
 * @example
 * ```ts
 * const d = decodeDeadLetter(delivery.payload);
 * if (d.ok) console.log(d.value.reason.code, d.value.payload);
 * ```
 */
export function decodeDeadLetter(raw: string): Decoded<DeadLetterRecord> {
  return guard(() => {
    const o = object(parseJson(raw), '');
    version(o, '');
    const reason = object(o.reason, '/reason');
    return {
      v: WIRE_VERSION,
      component: str(o, 'component', ''),
      source: str(o, 'source', '', true),
      id: str(o, 'id', '', true),
      reason: {
        code: str(reason, 'code', '/reason'),
        message: str(reason, 'message', '/reason', true),
      },
      payload: str(o, 'payload', '', true),
      at: num(o, 'at', ''),
    };
  });
}
