import type { Client } from '@elastic/elasticsearch';
import { type ArchiveRecord, SinkWriteError } from '@rendezvous-ml/core';
import type { CredentialRedactor } from '@rendezvous-ml/core/transport';
import { splitIntoBulkChunks } from './bulk-chunks.js';
import type { BulkEntry } from './bulk-entry.js';
import { bulkItemOutcome } from './bulk-item-outcome.js';
import { deadLetterEntry } from './dead-letter-entry.js';
import type { DeadLetterHandler, DeadLetterReason } from './dead-letter-handler.js';
import type { ElasticsearchSinkOptions } from './elasticsearch-sink-options.js';
import type { ElasticsearchSinkCounters } from './elasticsearch-sink-stats.js';
import type { IndexTemplates } from './index-templates.js';
import { toSinkWriteError } from './to-sink-write-error.js';

/** What one attempt left to do. */
export interface AttemptResult {
  readonly retry: BulkEntry[];
  readonly lastTransient: string | undefined;
}

/** What a {@link BulkSender} shares with its sink. */
export interface BulkSenderContext {
  /** The node(s), without credentials, for messages. */
  readonly target: string;
  readonly redactor: CredentialRedactor;
  readonly templates: IndexTemplates;
  readonly maxBatchBytes: number;
  readonly maxBatchDocs: number;
  readonly requestTimeoutMs: number;
  readonly refresh: ElasticsearchSinkOptions['refresh'];
  readonly deadLetter: ElasticsearchSinkOptions['deadLetter'];
  /** Records already durable (indexed or dead-lettered); the sender adds to it. */
  readonly written: WeakSet<ArchiveRecord>;
  readonly counters: ElasticsearchSinkCounters;
}

/** One item of a `_bulk` response, as much of it as the sender reads. */
type BulkResponseItem = Record<
  string,
  { status: number; error?: { type?: string; reason?: string | null } } | undefined
>;

/**
 * Sends bulk entries once, in `_bulk` requests within the size limits, and sorts the outcome of
 * each item: written (marked in `written`), to retry, dead-lettered (into the dead-letter index,
 * in the same attempt, or to the handler), or refused for good (the attempt rejects).
 *
 * @example
 * ```ts
 * const sender = new BulkSender({ target, redactor, templates, maxBatchBytes, maxBatchDocs, requestTimeoutMs, refresh: false, deadLetter: undefined, written, counters });
 * const { retry, lastTransient } = await sender.attempt(client, entries);
 * ```
 */
export class BulkSender {
  constructor(private readonly context: BulkSenderContext) {}

  /**
   * Sends `entries` once (and the dead letters of refused ones); returns what must be retried.
   * Rejects with a non-retryable error when an item failed for good.
   */
  async attempt(client: Client, entries: readonly BulkEntry[]): Promise<AttemptResult> {
    const retry: BulkEntry[] = [];
    let lastTransient: string | undefined;
    let queue: readonly BulkEntry[] = entries;
    while (queue.length > 0) {
      const deadLetters: BulkEntry[] = [];
      const { maxBatchBytes, maxBatchDocs } = this.context;
      const chunks = splitIntoBulkChunks(queue, maxBatchBytes, maxBatchDocs);
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
    const { target, redactor, counters } = this.context;
    for (const index of new Set(chunk.map((e) => e.index))) {
      await this.context.templates.ensure(
        client,
        index,
        chunk.some((e) => e.index === index && e.deadLetter),
      );
    }
    counters.bulkRequests++;
    counters.itemsSent += chunk.length;
    let items: readonly BulkResponseItem[];
    try {
      const refresh = this.context.refresh;
      const response = await client.bulk(
        {
          operations: chunk.flatMap((e) => e.lines),
          ...(refresh !== undefined ? { refresh } : {}),
        },
        { maxRetries: 0, requestTimeout: this.context.requestTimeoutMs },
      );
      items = response.items;
    } catch (error) {
      const failure = toSinkWriteError(error, `bulk request to ${target}`, redactor);
      if (!failure.retryable) throw failure;
      return failure.message;
    }
    if (items.length !== chunk.length) {
      throw new SinkWriteError(
        `bulk response from ${target} has ${items.length} items for ${chunk.length} operations`,
        { retryable: true },
      );
    }
    const failures: string[] = [];
    for (const [i, entry] of chunk.entries()) {
      const item = items[i]?.index;
      const status = item?.status ?? 500;
      const type = item?.error?.type ?? undefined;
      const reason = redactor.redact(item?.error?.reason ?? type ?? `HTTP ${status}`);
      const outcome = bulkItemOutcome(status, item?.error ? (type ?? 'unknown') : undefined);
      if (outcome === 'written') {
        this.context.written.add(entry.record);
        if (entry.deadLetter) counters.deadLettered++;
        else counters.indexed++;
      } else if (outcome === 'retry') {
        retry.push(entry);
      } else if (outcome === 'dead-letter' && !entry.deadLetter) {
        const why: DeadLetterReason = {
          index: entry.index,
          status,
          type: type ?? 'unknown',
          reason,
        };
        const handler = this.context.deadLetter;
        if (typeof handler === 'function') await this.callHandler(handler, entry, why);
        else deadLetters.push(deadLetterEntry(entry, why, handler));
      } else {
        failures.push(`${entry.index}/${entry.record.id}: HTTP ${status} ${type ?? ''} ${reason}`);
      }
    }
    if (failures.length > 0) {
      throw new SinkWriteError(
        redactor.redact(
          `${failures.length} records were refused by ${target} and cannot be retried: ${failures.slice(0, 3).join('; ')}`,
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
    this.context.written.add(entry.record);
    this.context.counters.deadLettered++;
  }
}
