/**
 * Counters of an {@link ElasticsearchSink}, for metrics and tests.
 *
 * @example
 * ```ts
 * const { indexed, deadLettered } = sink.stats();
 * metrics.gauge('archive_dead_lettered', deadLettered);
 * ```
 */
export interface ElasticsearchSinkStats {
  /** Records indexed into their target index. */
  readonly indexed: number;
  /** Records Elasticsearch refused to map, written to the dead letter instead. */
  readonly deadLettered: number;
  /** `_bulk` requests sent. */
  readonly bulkRequests: number;
  /** Bulk operations sent, first attempts and retries. */
  readonly itemsSent: number;
  /** Bulk operations sent again after a transient failure (only the failed ones are resent). */
  readonly itemsRetried: number;
  /** `write` calls that rejected (the batch was not fully written). */
  readonly failedWrites: number;
}

/**
 * The writable counters behind {@link ElasticsearchSinkStats}, shared by the sink and its bulk
 * sender (internal).
 */
export type ElasticsearchSinkCounters = {
  -readonly [K in keyof ElasticsearchSinkStats]: ElasticsearchSinkStats[K];
};
