import type { ArchiveRecord } from '@rendezvous-ml/core';

/**
 * Why Elasticsearch refused a document: the per-item error of the `_bulk` response.
 *
 * @example
 * ```ts
 * const reason: DeadLetterReason = { index: 'decoy-log', status: 400, type: 'document_parsing_exception',
 *   reason: 'failed to parse field [input.sepalLength] of type [double]' };
 * ```
 */
export interface DeadLetterReason {
  /** The index the document was meant for. */
  readonly index: string;
  /** HTTP status of the item, such as 400. */
  readonly status: number;
  /** Elasticsearch error type, such as `document_parsing_exception`. */
  readonly type: string;
  readonly reason: string;
}

/**
 * Receives each record Elasticsearch refused to map, instead of the dead-letter index. The
 * batch waits for it; a rejection makes the sink's `write` reject (retryable), so a record is
 * never dropped silently.
 *
 * @example
 * ```ts
 * const handler: DeadLetterHandler = async (record, reason) => {
 *   await deadLetterFile.appendFile(`${JSON.stringify({ record, reason })}\n`);
 * };
 * ```
 */
export type DeadLetterHandler = (
  record: ArchiveRecord,
  reason: DeadLetterReason,
) => void | Promise<void>;
