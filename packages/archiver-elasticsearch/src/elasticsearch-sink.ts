import { inspect } from 'node:util';
import {
  type ArchiveRecord,
  type ArchiveSink,
  ConfigurationError,
  type RejectedRecord,
  RejectedRecordsError,
  retryWithBackoff,
  SinkWriteError,
} from '@rendezvous-ml/core';
import { CredentialRedactor } from '@rendezvous-ml/core/transport';
import { toArchiveDocument } from './archive-document.js';
import { archiveIndexByKind } from './archive-index-by-kind.js';
import { type BulkEntry, entryOf } from './bulk-entry.js';
import { BulkSender } from './bulk-sender.js';
import { ElasticsearchConnection } from './elasticsearch-connection.js';
import { elasticsearchSecrets } from './elasticsearch-secrets.js';
import type { ArchiveIndex, ElasticsearchSinkOptions } from './elasticsearch-sink-options.js';
import type {
  ElasticsearchSinkCounters,
  ElasticsearchSinkStats,
} from './elasticsearch-sink-stats.js';
import { IndexTemplates } from './index-templates.js';

/**
 * An {@link @rendezvous-ml/core!ArchiveSink} that indexes every record into Elasticsearch with `_bulk`, one document
 * per record with `_id` = `record.id`, so a redelivered record overwrites its document instead
 * of duplicating it. Documents are flattened for analysis (see `toArchiveDocument`) and an index
 * template with proper mappings is installed before the first write to each index.
 *
 * Guarantees: `write` resolves only when every record is durably indexed (or, when Elasticsearch
 * cannot map it, durably dead-lettered); otherwise it rejects, so the {@link @rendezvous-ml/core!Archiver} never
 * acknowledges a batch that was not fully written.
 *
 * Failures: transient ones (HTTP 429, 5xx, connection errors, timeouts), whether of the whole
 * request or of single items, are retried inside the sink with exponential backoff, resending
 * only the records not yet written. When the sink gives up it rejects with a retryable
 * `SinkWriteError`; the Archiver then retries the batch (`writeRetry`) and the sink again sends
 * only what is still missing. Non-retryable failures (401, 403, a bad index name) reject with
 * `retryable: false`. Credentials never appear in errors or in `inspect(sink)`.
 *
 * The `@elastic/elasticsearch` client (a peer dependency, `>=8.13 <10`) is loaded on the first
 * write unless you inject one.
 *
 * @example
 * ```ts
 * const decoy = new Decoy({ transport, sinks: [new ElasticsearchSink({ node: process.env.ELASTICSEARCH_URL, index: 'decoy-log' })] });
 * const scores = new Archiver({ transport, source: 'scores', sinks: [new ElasticsearchSink({ node: process.env.ELASTICSEARCH_URL, index: 'score-log' })] });
 * // The front ends' decisions (Rendezvous with publishResults), indexed in result-log by default:
 * const results = new Archiver({ transport, source: 'results', sinks: [new ElasticsearchSink({ node: process.env.ELASTICSEARCH_URL })] });
 * await decoy.start();
 * await scores.start();
 * await results.start();
 * ```
 */
export class ElasticsearchSink implements ArchiveSink {
  private readonly options: ElasticsearchSinkOptions;
  private readonly index: ArchiveIndex;
  private readonly redactor: CredentialRedactor;
  private readonly target: string;
  private readonly connection: ElasticsearchConnection;
  private readonly sender: BulkSender;
  /** Records of the batches in progress that are already durable; a retry skips them. */
  private readonly written = new WeakSet<ArchiveRecord>();
  private closed = false;
  private readonly counters: ElasticsearchSinkCounters = {
    indexed: 0,
    deadLettered: 0,
    bulkRequests: 0,
    itemsSent: 0,
    itemsRetried: 0,
    failedWrites: 0,
  };

  constructor(options: ElasticsearchSinkOptions) {
    const urls = ElasticsearchConnection.nodeUrls(options);
    if (!options.client && urls.length === 0)
      throw new ConfigurationError('ElasticsearchSink needs `node`, `nodes` or `client`');
    if (typeof options.index === 'string' && options.index.length === 0)
      throw new ConfigurationError('ElasticsearchSink needs a non-empty `index`');
    this.options = options;
    this.index = options.index ?? archiveIndexByKind();
    this.redactor = new CredentialRedactor(elasticsearchSecrets(options.auth, urls));
    this.target = options.client
      ? 'Elasticsearch (injected client)'
      : urls.map((u) => CredentialRedactor.safeUrl(u)).join(', ');
    const maxBatchBytes = options.maxBatchBytes ?? 5 * 2 ** 20;
    const maxBatchDocs = options.maxBatchDocs ?? 1000;
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!(maxBatchBytes > 0)) throw new ConfigurationError('maxBatchBytes must be positive');
    if (!Number.isInteger(maxBatchDocs) || maxBatchDocs < 1)
      throw new ConfigurationError('maxBatchDocs must be a positive integer');
    if (options.retry?.attempts !== undefined && !(options.retry.attempts >= 1))
      throw new ConfigurationError('retry.attempts must be at least 1');
    const templates = options.templates ?? true;
    const templateOptions = templates === false ? undefined : templates === true ? {} : templates;
    this.connection = new ElasticsearchConnection(options, requestTimeoutMs);
    this.sender = new BulkSender({
      target: this.target,
      redactor: this.redactor,
      templates: new IndexTemplates(templateOptions, this.target, this.redactor, requestTimeoutMs),
      maxBatchBytes,
      maxBatchDocs,
      requestTimeoutMs,
      refresh: options.refresh,
      deadLetter: options.deadLetter,
      written: this.written,
      counters: this.counters,
    });
  }

  /** Counters for metrics. */
  stats(): ElasticsearchSinkStats {
    return { ...this.counters };
  }

  async write(records: readonly ArchiveRecord[]): Promise<void> {
    if (this.closed) throw new SinkWriteError('ElasticsearchSink is closed', { retryable: false });
    const rejected: RejectedRecord[] = [];
    const pending: BulkEntry[] = [];
    for (const record of records) {
      if (this.written.has(record)) continue;
      const entry = this.tryEntry(record);
      if ('reason' in entry) rejected.push(entry);
      else pending.push(entry);
    }
    try {
      if (pending.length > 0) await this.writeEntries(pending, records.length);
    } catch (error) {
      this.counters.failedWrites++;
      throw error;
    }
    if (rejected.length > 0) {
      // The others are written now; the Archiver dead-letters these and writes the rest again,
      // which `written` turns into a no-op.
      this.counters.failedWrites++;
      throw new RejectedRecordsError(
        `${rejected.length} of ${records.length} records cannot be encoded for ${this.target}: ${rejected
          .slice(0, 3)
          .map((r) => r.reason)
          .join('; ')}`,
        rejected,
      );
    }
  }

  private async writeEntries(entries: readonly BulkEntry[], total: number): Promise<void> {
    let pending = entries;
    const client = await this.connection.client();
    let attempt = 0;
    await retryWithBackoff(
      async () => {
        pending = pending.filter((e) => !this.written.has(e.record));
        if (attempt++ > 0) this.counters.itemsRetried += pending.length;
        const result = await this.sender.attempt(client, pending);
        pending = result.retry;
        if (pending.length > 0) {
          throw new SinkWriteError(
            this.redactor.redact(
              `${pending.length} of ${total} records not yet written to ${this.target}: ${result.lastTransient ?? 'transient failure'}`,
            ),
            { retryable: true },
          );
        }
      },
      {
        attempts: this.options.retry?.attempts ?? 5,
        initialDelayMs: this.options.retry?.initialDelayMs ?? 100,
        maxDelayMs: this.options.retry?.maxDelayMs ?? 5000,
        isRetryable: (e) => e instanceof SinkWriteError && e.retryable,
      },
    );
  }

  /** Closes the client if the sink created it (an injected client stays open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  /** A description without credentials, for `console.log(sink)`. */
  [inspect.custom](): string {
    return `ElasticsearchSink { target: ${this.target}, index: ${typeof this.options.index === 'string' ? this.options.index : this.options.index ? '(function)' : '(by kind)'}, closed: ${this.closed} }`;
  }

  /** A description without credentials, for `JSON.stringify(sink)`. */
  toJSON(): { target: string; stats: ElasticsearchSinkStats } {
    return { target: this.target, stats: this.stats() };
  }

  private indexOf(record: ArchiveRecord): string {
    const index = this.index;
    return typeof index === 'string' ? index : index(record.kind, record);
  }

  /**
   * The bulk entry of `record`, or why it cannot be encoded: a record that decodes but cannot be
   * encoded again (nested so deeply that `JSON.stringify` overflows the stack, say) fails the same
   * way on every retry, so it is refused for good, by id, and the rest of the batch goes on.
   */
  private tryEntry(record: ArchiveRecord): BulkEntry | RejectedRecord {
    try {
      return entryOf(record, this.indexOf(record), toArchiveDocument(record));
    } catch (error) {
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        id: record.id,
        reason: this.redactor.redact(`cannot encode record ${record.id}: ${why}`),
      };
    }
  }
}
