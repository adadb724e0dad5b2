/**
 * An Elasticsearch {@link @rendezvous-ml/core!ArchiveSink} for Rendezvous: bulk indexing with ids derived from the
 * request (and model), index templates with analysis-ready mappings, retries with backoff and
 * a dead letter for documents Elasticsearch cannot map.
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
export { splitIntoBulkChunks } from './bulk-chunks.js';
export { type BulkItemOutcome, bulkItemOutcome } from './bulk-item-outcome.js';
export { CredentialRedactor } from './credential-redactor.js';
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
export {
  ELASTICSEARCH_CLIENT_RANGE,
  type ElasticsearchModule,
  isSupportedElasticsearchClientVersion,
  loadElasticsearch,
} from './load-elasticsearch.js';
export { isTransientStatus, toSinkWriteError } from './to-sink-write-error.js';
