import type { ArchiveRecord } from '@rendezvous-ml/core';

/**
 * Why Elasticsearch refused a document: the per-item error of the `_bulk` response.
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
 */
export type DeadLetterHandler = (
  record: ArchiveRecord,
  reason: DeadLetterReason,
) => void | Promise<void>;
