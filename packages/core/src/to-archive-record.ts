import type { ArchiveRecord } from './archive-sink.js';
import type { ArchiverSource } from './archiver-options.js';
import type { RendezvousError } from './errors.js';
import { modelKey } from './model-ref.js';
import { decodeRequest } from './wire/request.js';
import { decodeResult } from './wire/result-envelope.js';
import { decodeScore } from './wire/score.js';

/**
 * Decodes one message of an archiver's source into the record it archives, or the reason it
 * cannot (an `InvalidEnvelopeError`). Ids come from the request id (plus the model, for
 * scores), so a redelivered message overwrites its record in a sink that writes by id.
 *
 * @example
 * ```ts
 * const record = toArchiveRecord('requests', delivery.payload, clock.now());
 * if (record instanceof Error) await deadLetters.send(delivery, record);
 * ```
 */
export function toArchiveRecord(
  source: ArchiverSource,
  payload: string,
  archivedAt: number,
): ArchiveRecord | RendezvousError {
  if (source === 'requests') {
    const r = decodeRequest(payload);
    if (!r.ok) return r.error;
    return { kind: 'request', id: r.value.id, requestId: r.value.id, archivedAt, request: r.value };
  }
  if (source === 'results') {
    const r = decodeResult(payload);
    if (!r.ok) return r.error;
    const requestId = r.value.requestId;
    return { kind: 'result', id: requestId, requestId, archivedAt, result: r.value };
  }
  const s = decodeScore(payload);
  if (!s.ok) return s.error;
  const id = `${s.value.requestId}:${modelKey(s.value.model)}`;
  return { kind: 'score', id, requestId: s.value.requestId, archivedAt, score: s.value };
}
