import type { BulkEntry } from './bulk-entry.js';
import { entryOf } from './bulk-entry.js';
import type { DeadLetterReason } from './dead-letter-handler.js';

/**
 * The bulk entry that dead-letters a document Elasticsearch refused: the record with why, into
 * `target` (a dead-letter index name) or, by default, `<index>-dead-letter`. Same `_id` as the
 * record, so a redelivered refusal overwrites its dead letter.
 *
 * @example
 * ```ts
 * const letter = deadLetterEntry(entry, { index: 'decoy-log', status: 400, type: 'document_parsing_exception', reason });
 * letter.index; // 'decoy-log-dead-letter'
 * ```
 */
export function deadLetterEntry(
  entry: BulkEntry,
  reason: DeadLetterReason,
  target?: string,
): BulkEntry {
  const index = target ?? `${entry.index}-dead-letter`;
  const { record } = entry;
  const document = {
    timestamp: Date.now(),
    index: entry.index,
    id: record.id,
    requestId: record.requestId,
    kind: record.kind,
    status: reason.status,
    type: reason.type,
    reason: reason.reason,
    record,
  };
  return entryOf(record, index, document, reason);
}
