/**
 * What to do with one item of a `_bulk` response: it is `written`; it failed transiently and is
 * sent again (`retry`: 429, 5xx); Elasticsearch cannot map the document (`dead-letter`); or it
 * failed for a reason a retry cannot fix (`fail`: 401, 403, a bad index name, ...).
 */
export type BulkItemOutcome = 'written' | 'retry' | 'dead-letter' | 'fail';

/** Error types of a document that does not fit the index's mapping, whatever is retried. */
const UNMAPPABLE = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception',
  'strict_dynamic_mapping_exception',
  'mapper_exception',
  'illegal_argument_exception', // e.g. too many fields, an immense term
]);

/**
 * Classifies one `_bulk` response item by its HTTP status and error type.
 *
 * @example
 * ```ts
 * bulkItemOutcome(201); // 'written'
 * bulkItemOutcome(400, 'document_parsing_exception'); // 'dead-letter'
 * ```
 */
export function bulkItemOutcome(status: number, errorType?: string): BulkItemOutcome {
  if (status >= 200 && status < 300 && errorType === undefined) return 'written';
  if (status === 429 || status >= 500 || status === 408) return 'retry';
  if (status === 400 && errorType !== undefined && UNMAPPABLE.has(errorType)) return 'dead-letter';
  return 'fail';
}
