import type { DeadLetterRecord } from './dead-letters.js';
import { guard, num, object, parseJson, str, version } from './envelope-fields.js';
import type { Decoded } from './envelopes.js';

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
      v: 1,
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
