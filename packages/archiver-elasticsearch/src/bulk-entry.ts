import type { ArchiveRecord } from '@rendezvous-ml/core';
import type { DeadLetterReason } from './dead-letter-handler.js';

/**
 * One bulk operation: a record bound for its index, or for the dead letter, encoded once.
 *
 * @example
 * ```ts
 * const entry: BulkEntry = entryOf(record, 'decoy-log', toArchiveDocument(record));
 * entry.lines; // [action, source] NDJSON lines
 * ```
 */
export interface BulkEntry {
  readonly record: ArchiveRecord;
  readonly index: string;
  readonly lines: readonly [string, string];
  readonly bytes: number;
  /** Set when this entry is the dead letter of a refused document. */
  readonly deadLetter?: DeadLetterReason;
}

/**
 * Encodes the bulk operation of `record` into `index`. Throws what `JSON.stringify` throws
 * (a `RangeError` for a document nested too deeply, a `TypeError` for a cycle): the caller
 * refuses that record for good.
 *
 * @example
 * ```ts
 * const entry = entryOf(record, 'decoy-log', toArchiveDocument(record));
 * ```
 */
export function entryOf(
  record: ArchiveRecord,
  index: string,
  document: unknown,
  deadLetter?: DeadLetterReason,
): BulkEntry {
  const action = JSON.stringify({ index: { _index: index, _id: record.id } });
  const source = JSON.stringify(document);
  const bytes = Buffer.byteLength(action) + Buffer.byteLength(source) + 2;
  return { record, index, lines: [action, source], bytes, ...(deadLetter ? { deadLetter } : {}) };
}
