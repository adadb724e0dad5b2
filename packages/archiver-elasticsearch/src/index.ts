/**
 * An Elasticsearch {@link @rendezvous-ml/core!ArchiveSink} for Rendezvous: bulk indexing with ids derived from the
 * request (and model), index templates with analysis-ready mappings, retries with backoff and
 * a dead letter for documents Elasticsearch cannot map.
 *
 * The public API is what a user configures, reads or calls: the sink, its options and stats,
 * the dead-letter handler's types, the index routing and template helpers, and the shape of the
 * indexed document. Everything else (bulk chunking, item classification, redaction, the peer
 * loader) is internal; tests import it by path.
 *
 * @packageDocumentation
 */

export { type ArchiveDocument, toArchiveDocument } from './archive-document.js';
export { archiveIndexByKind, DEFAULT_ARCHIVE_INDICES } from './archive-index-by-kind.js';
export {
  type ArchiveIndexTemplateBody,
  archiveIndexTemplate,
  deadLetterIndexTemplate,
} from './archive-index-template.js';
export type { DeadLetterHandler, DeadLetterReason } from './dead-letter-handler.js';
export { ElasticsearchSink } from './elasticsearch-sink.js';
export type {
  ArchiveIndex,
  ElasticsearchAuth,
  ElasticsearchRetryOptions,
  ElasticsearchSinkOptions,
  IndexTemplateOptions,
} from './elasticsearch-sink-options.js';
export type { ElasticsearchSinkStats } from './elasticsearch-sink-stats.js';
