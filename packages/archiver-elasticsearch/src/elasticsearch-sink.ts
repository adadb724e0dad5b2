import { inspect } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import {
  type ArchiveRecord,
  type ArchiveSink,
  ConfigurationError,
  type RejectedRecord,
  RejectedRecordsError,
  retryWithBackoff,
  SinkWriteError,
} from '@rendezvous-ml/core';
import { toArchiveDocument } from './archive-document.js';
import { archiveIndexByKind } from './archive-index-by-kind.js';
import { archiveIndexTemplate, deadLetterIndexTemplate } from './archive-index-template.js';
import { splitIntoBulkChunks } from './bulk-chunks.js';
import { type BulkEntry, entryOf } from './bulk-entry.js';
import { bulkItemOutcome } from './bulk-item-outcome.js';
import { CredentialRedactor } from './credential-redactor.js';
import type { DeadLetterHandler, DeadLetterReason } from './dead-letter-handler.js';
import type {
  ArchiveIndex,
  ElasticsearchSinkOptions,
  IndexTemplateOptions,
} from './elasticsearch-sink-options.js';
import type { ElasticsearchSinkStats } from './elasticsearch-sink-stats.js';
import { loadElasticsearch } from './load-elasticsearch.js';
import { toSinkWriteError } from './to-sink-write-error.js';

/** What one attempt left to do. */
interface AttemptResult {
  readonly retry: BulkEntry[];
  readonly lastTransient: string | undefined;
}

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
  private readonly maxBatchBytes: number;
  private readonly maxBatchDocs: number;
  private readonly requestTimeoutMs: number;
  private readonly templateOptions: IndexTemplateOptions | undefined;
  private client: Promise<Client> | undefined;
  private readonly templates = new Map<string, Promise<void>>();
  /** Records of the batches in progress that are already durable; a retry skips them. */
  private readonly written = new WeakSet<ArchiveRecord>();
  private closed = false;
  private readonly counters = {
    indexed: 0,
    deadLettered: 0,
    bulkRequests: 0,
    itemsSent: 0,
    itemsRetried: 0,
    failedWrites: 0,
  };

  constructor(options: ElasticsearchSinkOptions) {
    const urls = ElasticsearchSink.nodeUrls(options);
    if (!options.client && urls.length === 0)
      throw new ConfigurationError('ElasticsearchSink needs `node`, `nodes` or `client`');
    if (typeof options.index === 'string' && options.index.length === 0)
      throw new ConfigurationError('ElasticsearchSink needs a non-empty `index`');
    this.options = options;
    this.index = options.index ?? archiveIndexByKind();
    this.redactor = new CredentialRedactor(options.auth, urls);
    this.target = options.client
      ? 'Elasticsearch (injected client)'
      : urls.map((u) => CredentialRedactor.safeUrl(u)).join(', ');
    this.maxBatchBytes = options.maxBatchBytes ?? 5 * 2 ** 20;
    this.maxBatchDocs = options.maxBatchDocs ?? 1000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!(this.maxBatchBytes > 0)) throw new ConfigurationError('maxBatchBytes must be positive');
    if (!Number.isInteger(this.maxBatchDocs) || this.maxBatchDocs < 1)
      throw new ConfigurationError('maxBatchDocs must be a positive integer');
    if (options.retry?.attempts !== undefined && !(options.retry.attempts >= 1))
      throw new ConfigurationError('retry.attempts must be at least 1');
    const templates = options.templates ?? true;
    this.templateOptions = templates === false ? undefined : templates === true ? {} : templates;
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
    const client = await this.connect();
    let attempt = 0;
    await retryWithBackoff(
      async () => {
        pending = pending.filter((e) => !this.written.has(e.record));
        if (attempt++ > 0) this.counters.itemsRetried += pending.length;
        const result = await this.attempt(client, pending);
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
    if (this.client && !this.options.client) {
      const client = await this.client.catch(() => undefined);
      await client?.close();
    }
  }

  /** A description without credentials, for `console.log(sink)`. */
  [inspect.custom](): string {
    return `ElasticsearchSink { target: ${this.target}, index: ${typeof this.options.index === 'string' ? this.options.index : this.options.index ? '(function)' : '(by kind)'}, closed: ${this.closed} }`;
  }

  /** A description without credentials, for `JSON.stringify(sink)`. */
  toJSON(): { target: string; stats: ElasticsearchSinkStats } {
    return { target: this.target, stats: this.stats() };
  }

  private static nodeUrls(options: ElasticsearchSinkOptions): string[] {
    const node = options.node;
    return [...(typeof node === 'string' ? [node] : (node ?? [])), ...(options.nodes ?? [])];
  }

  private connect(): Promise<Client> {
    if (this.options.client) return Promise.resolve(this.options.client);
    this.client ??= loadElasticsearch().then(({ Client: ClientClass }) => {
      const urls = ElasticsearchSink.nodeUrls(this.options);
      const auth = this.options.auth;
      return new ClientClass({
        node: urls,
        // The sink retries with backoff itself; the client's immediate retries would only add load.
        maxRetries: 0,
        requestTimeout: this.requestTimeoutMs,
        ...(auth ? { auth: 'apiKey' in auth ? { apiKey: auth.apiKey } : { ...auth } } : {}),
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        ...(this.options.caFingerprint ? { caFingerprint: this.options.caFingerprint } : {}),
      });
    });
    this.client.catch(() => {
      this.client = undefined;
    });
    return this.client;
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

  private deadLetterEntry(entry: BulkEntry, reason: DeadLetterReason): BulkEntry {
    const target = this.options.deadLetter;
    const index = typeof target === 'string' ? target : `${entry.index}-dead-letter`;
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

  private ensureTemplate(client: Client, index: string, deadLetter: boolean): Promise<void> {
    const options = this.templateOptions;
    if (!options) return Promise.resolve();
    let done = this.templates.get(index);
    if (!done) {
      const body = deadLetter
        ? deadLetterIndexTemplate(index, options)
        : archiveIndexTemplate(index, options);
      const name = `rendezvous-${deadLetter ? 'dead-letter' : 'archive'}-${index}`;
      done = client.indices
        .putIndexTemplate(
          { name, ...body } as unknown as Parameters<Client['indices']['putIndexTemplate']>[0],
          { maxRetries: 0, requestTimeout: this.requestTimeoutMs },
        )
        .then(
          () => undefined,
          (error: unknown) => {
            this.templates.delete(index);
            throw toSinkWriteError(
              error,
              `installing index template ${name} on ${this.target}`,
              this.redactor,
            );
          },
        );
      this.templates.set(index, done);
    }
    return done;
  }

  /**
   * Sends `entries` once (and the dead letters of refused ones); returns what must be retried.
   * Rejects with a non-retryable error when an item failed for good.
   */
  private async attempt(client: Client, entries: readonly BulkEntry[]): Promise<AttemptResult> {
    const retry: BulkEntry[] = [];
    let lastTransient: string | undefined;
    let queue: readonly BulkEntry[] = entries;
    while (queue.length > 0) {
      const deadLetters: BulkEntry[] = [];
      const chunks = splitIntoBulkChunks(queue, this.maxBatchBytes, this.maxBatchDocs);
      for (const [i, chunk] of chunks.entries()) {
        const failure = await this.sendChunk(client, chunk, retry, deadLetters);
        if (failure !== undefined) {
          // The node is unreachable or overloaded: keep the rest for the next attempt.
          lastTransient = failure;
          for (const rest of chunks.slice(i + 1)) retry.push(...rest);
          for (const e of chunk) retry.push(e);
          return { retry: [...retry, ...deadLetters], lastTransient };
        }
      }
      queue = deadLetters;
    }
    if (retry.length > 0) lastTransient ??= 'some items were rejected with a transient error';
    return { retry, lastTransient };
  }

  /**
   * Sends one `_bulk` request. Written items are marked, transient item failures go to `retry`,
   * refused documents to `deadLetters` (or to the handler). Returns a description of a transient
   * failure of the whole request, or undefined.
   */
  private async sendChunk(
    client: Client,
    chunk: readonly BulkEntry[],
    retry: BulkEntry[],
    deadLetters: BulkEntry[],
  ): Promise<string | undefined> {
    for (const index of new Set(chunk.map((e) => e.index))) {
      await this.ensureTemplate(
        client,
        index,
        chunk.some((e) => e.index === index && e.deadLetter),
      );
    }
    this.counters.bulkRequests++;
    this.counters.itemsSent += chunk.length;
    let items: readonly Record<
      string,
      { status: number; error?: { type?: string; reason?: string | null } } | undefined
    >[];
    try {
      const response = await client.bulk(
        {
          operations: chunk.flatMap((e) => e.lines),
          ...(this.options.refresh !== undefined ? { refresh: this.options.refresh } : {}),
        },
        { maxRetries: 0, requestTimeout: this.requestTimeoutMs },
      );
      items = response.items;
    } catch (error) {
      const failure = toSinkWriteError(error, `bulk request to ${this.target}`, this.redactor);
      if (!failure.retryable) throw failure;
      return failure.message;
    }
    if (items.length !== chunk.length) {
      throw new SinkWriteError(
        `bulk response from ${this.target} has ${items.length} items for ${chunk.length} operations`,
        { retryable: true },
      );
    }
    const failures: string[] = [];
    for (const [i, entry] of chunk.entries()) {
      const item = items[i]?.index;
      const status = item?.status ?? 500;
      const type = item?.error?.type ?? undefined;
      const reason = this.redactor.redact(item?.error?.reason ?? type ?? `HTTP ${status}`);
      const outcome = bulkItemOutcome(status, item?.error ? (type ?? 'unknown') : undefined);
      if (outcome === 'written') {
        this.written.add(entry.record);
        if (entry.deadLetter) this.counters.deadLettered++;
        else this.counters.indexed++;
      } else if (outcome === 'retry') {
        retry.push(entry);
      } else if (outcome === 'dead-letter' && !entry.deadLetter) {
        const why: DeadLetterReason = {
          index: entry.index,
          status,
          type: type ?? 'unknown',
          reason,
        };
        const handler = this.options.deadLetter;
        if (typeof handler === 'function') await this.callHandler(handler, entry, why);
        else deadLetters.push(this.deadLetterEntry(entry, why));
      } else {
        failures.push(`${entry.index}/${entry.record.id}: HTTP ${status} ${type ?? ''} ${reason}`);
      }
    }
    if (failures.length > 0) {
      throw new SinkWriteError(
        this.redactor.redact(
          `${failures.length} records were refused by ${this.target} and cannot be retried: ${failures.slice(0, 3).join('; ')}`,
        ),
        { retryable: false },
      );
    }
    return undefined;
  }

  private async callHandler(
    handler: DeadLetterHandler,
    entry: BulkEntry,
    reason: DeadLetterReason,
  ): Promise<void> {
    try {
      await handler(entry.record, reason);
    } catch (cause) {
      throw new SinkWriteError(`the dead-letter handler failed for ${entry.record.id}`, {
        retryable: true,
        cause,
      });
    }
    this.written.add(entry.record);
    this.counters.deadLettered++;
  }
}
