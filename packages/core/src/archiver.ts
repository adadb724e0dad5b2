import { type Observable, Subject, type Subscription } from 'rxjs';
import type { ArchiveRecord, ArchiveSink } from './archive-sink.js';
import { type Clock, systemClock, type Timer } from './clock.js';
import { DeadLetters } from './dead-letters.js';
import { decodeRequest, decodeResult, decodeScore } from './envelopes.js';
import { ConfigurationError, RendezvousError, toRendezvousError } from './errors.js';
import { modelKey } from './model-ref.js';
import { type RetryOptions, retryWithBackoff } from './retry.js';
import { DEFAULT_STREAMS, type Delivery, REPLY_TAP, type Transport } from './transport.js';

/**
 * What an {@link Archiver} reads: the requests stream, every score (the reply tap), or the
 * front ends' results.
 *
 * @example
 * ```ts
 * const sources: ArchiverSource[] = ['requests', 'scores', 'results'];
 * ```
 */
export type ArchiverSource = 'requests' | 'scores' | 'results';

/**
 * Options of {@link Archiver}.
 *
 * @example
 * ```ts
 * const opts: ArchiverOptions = { transport, source: 'scores', sinks: [fileSink], batchSize: 500, flushIntervalMs: 1000 };
 * ```
 */
export interface ArchiverOptions {
  readonly transport: Transport;
  /**
   * What to archive: `requests` reads the requests stream (as the decoy does), `scores` reads
   * every reply to every front end through {@link REPLY_TAP} (needs `capabilities.replyTap`),
   * `results` reads the results stream where front ends with `publishResults` publish their
   * decisions (one record per request, id = request id).
   */
  readonly source: ArchiverSource;
  /** Sinks written in order; a batch is acknowledged only when every sink has written it. */
  readonly sinks: readonly ArchiveSink[];
  /** Consumer group. Default `archiver:<source>`. */
  readonly group?: string;
  /** Member name within the group. Default: random. */
  readonly consumer?: string;
  /** Most records per batch. Default 500. */
  readonly batchSize?: number;
  /** Longest a record waits in a partial batch, in ms. Default 1000. */
  readonly flushIntervalMs?: number;
  /** Retries of a failed sink write before the batch is given up (left unacknowledged). */
  readonly writeRetry?: Omit<RetryOptions, 'clock'>;
  /** Requests stream name. Default `requests`. */
  readonly requestsStream?: string;
  /** Results stream name (for `source: 'results'`). Default `results`. */
  readonly resultsStream?: string;
  /** Dead-letter stream name. Default `dead-letter`. */
  readonly deadLetterStream?: string;
  readonly clock?: Clock;
}

/**
 * Counters of an archiver, for metrics.
 *
 * @example
 * ```ts
 * expect(archiver.stats().archived).toBe(1000);
 * ```
 */
export interface ArchiverStats {
  /** Records written by every sink and acknowledged. */
  readonly archived: number;
  readonly batches: number;
  /** Batches given up after retries (left unacknowledged for redelivery). */
  readonly failedBatches: number;
  readonly deadLettered: number;
  /** Records waiting in the current batch or being written. */
  readonly pending: number;
}

/**
 * Something that happened in an archiver.
 *
 * @example
 * ```ts
 * archiver.events$.subscribe((e) => e.type === 'write-failed' && log.error(e.error));
 * ```
 */
export type ArchiverEvent =
  | { readonly type: 'flushed'; readonly records: number }
  | { readonly type: 'write-failed'; readonly records: number; readonly error: RendezvousError };

/**
 * Persists what flows through the system: batches records by count and by time, writes each
 * batch to its sinks, and acknowledges the messages only after every sink has written them.
 * `stop()` flushes what it holds.
 *
 * @example
 * ```ts
 * const archiver = new Archiver({ transport, source: 'scores', sinks: [new RollingGzipJsonlSink({ directory: 'data/archive/scores' })] });
 * await archiver.start();
 * // ...
 * await archiver.stop(); // flushes, acknowledges, closes the sinks
 * // The front ends' decisions (they need `publishResults: true`), one record per request:
 * const results = new Archiver({ transport, source: 'results', sinks: [new RollingGzipJsonlSink({ directory: 'data/archive/results' })] });
 * ```
 */
export class Archiver {
  private readonly transport: Transport;
  private readonly source: ArchiverSource;
  private readonly sinks: readonly ArchiveSink[];
  private readonly group: string;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly writeRetry: Omit<RetryOptions, 'clock'>;
  private readonly requestsStream: string;
  private readonly resultsStream: string;
  private readonly clock: Clock;
  private readonly deadLetters: DeadLetters;
  private readonly events = new Subject<ArchiverEvent>();
  private batch: { record: ArchiveRecord; delivery: Delivery }[] = [];
  private flushTimer: Timer | undefined;
  private writing: Promise<void> = Promise.resolve();
  private inWrite = 0;
  private subscription: Subscription | undefined;
  private stopping = false;
  private readonly counters = { archived: 0, batches: 0, failedBatches: 0 };

  /** Events of this archiver. Completes on `stop()`. */
  readonly events$: Observable<ArchiverEvent> = this.events.asObservable();

  constructor(options: ArchiverOptions) {
    this.transport = options.transport;
    this.source = options.source;
    this.sinks = options.sinks;
    if (this.sinks.length === 0)
      throw new ConfigurationError('an archiver needs at least one sink');
    this.group = options.group ?? `archiver:${options.source}`;
    this.consumer = options.consumer ?? `${this.group}-${Math.random().toString(36).slice(2, 8)}`;
    this.batchSize = options.batchSize ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new ConfigurationError('batchSize must be a positive integer');
    this.writeRetry = options.writeRetry ?? {};
    this.requestsStream = options.requestsStream ?? DEFAULT_STREAMS.requests;
    this.resultsStream = options.resultsStream ?? DEFAULT_STREAMS.results;
    this.clock = options.clock ?? systemClock;
    this.deadLetters = new DeadLetters(
      this.transport,
      options.deadLetterStream ?? DEFAULT_STREAMS.deadLetter,
      `archiver ${this.group}`,
      this.clock,
    );
    if (this.source === 'scores' && !this.transport.capabilities.replyTap) {
      throw new ConfigurationError(
        `transport ${this.transport.name} cannot read every reply (capabilities.replyTap is false)`,
      );
    }
  }

  /** Joins the consumer group and starts archiving. */
  async start(): Promise<void> {
    if (this.subscription) return;
    const stream =
      this.source === 'requests'
        ? this.requestsStream
        : this.source === 'results'
          ? this.resultsStream
          : REPLY_TAP;
    await this.transport.ensureGroup(stream, this.group);
    const options = { group: this.group, consumer: this.consumer, prefetch: this.batchSize * 2 };
    this.subscription = this.transport.consume(stream, options).subscribe({
      next: (d) => this.onDelivery(d),
      error: (error: unknown) =>
        this.events.next({
          type: 'write-failed',
          records: 0,
          error: toRendezvousError(error, 'CONNECTION_LOST', true),
        }),
    });
  }

  /** Counters for metrics. */
  stats(): ArchiverStats {
    return {
      ...this.counters,
      deadLettered: this.deadLetters.count,
      pending: this.batch.length + this.inWrite,
    };
  }

  /** Writes and acknowledges what is pending now; resolves when it is done. */
  flush(): Promise<void> {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) {
      this.inWrite += batch.length;
      this.writing = this.writing
        .then(() => this.write(batch))
        .finally(() => (this.inWrite -= batch.length));
    }
    return this.writing;
  }

  /**
   * Flushes and acknowledges what it holds — including messages that arrive while it flushes,
   * for up to three rounds — then leaves the group and closes the sinks. Anything still arriving
   * after that stays unacknowledged, for another member or the next start.
   */
  async stop(): Promise<void> {
    if (!this.subscription || this.stopping) return;
    this.stopping = true;
    for (let round = 0; round < 3; round++) {
      await this.flush();
      if (this.batch.length === 0) break;
    }
    // Deliveries arrive in later turns, so nothing slips in between this line and the next.
    this.batch = [];
    this.subscription.unsubscribe();
    this.subscription = undefined;
    for (const sink of this.sinks) await sink.close();
    this.events.complete();
  }

  private onDelivery(delivery: Delivery): void {
    if (!this.subscription) return; // left the group: not acknowledged, redelivered
    const record = this.toRecord(delivery);
    if (record instanceof Error) {
      void this.deadLetters.send(delivery, record).then(() => delivery.ack());
      return;
    }
    this.batch.push({ record, delivery });
    if (this.stopping) return; // stop() flushes
    if (this.batch.length >= this.batchSize) void this.flush();
    else if (!this.flushTimer)
      this.flushTimer = this.clock.setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  private toRecord(delivery: Delivery): ArchiveRecord | RendezvousError {
    const archivedAt = this.clock.now();
    if (this.source === 'requests') {
      const r = decodeRequest(delivery.payload);
      if (!r.ok) return r.error;
      return {
        kind: 'request',
        id: r.value.id,
        requestId: r.value.id,
        archivedAt,
        request: r.value,
      };
    }
    if (this.source === 'results') {
      const r = decodeResult(delivery.payload);
      if (!r.ok) return r.error;
      const requestId = r.value.requestId;
      return { kind: 'result', id: requestId, requestId, archivedAt, result: r.value };
    }
    const s = decodeScore(delivery.payload);
    if (!s.ok) return s.error;
    const id = `${s.value.requestId}:${modelKey(s.value.model)}`;
    return { kind: 'score', id, requestId: s.value.requestId, archivedAt, score: s.value };
  }

  private async write(
    batch: readonly { record: ArchiveRecord; delivery: Delivery }[],
  ): Promise<void> {
    const records = batch.map((b) => b.record);
    try {
      for (const sink of this.sinks) {
        await retryWithBackoff(() => sink.write(records), {
          isRetryable: (e) => (e instanceof RendezvousError ? e.retryable : true),
          ...this.writeRetry,
          clock: this.clock,
        });
      }
    } catch (error) {
      this.counters.failedBatches++;
      this.events.next({
        type: 'write-failed',
        records: records.length,
        error: toRendezvousError(error, 'SINK_WRITE_FAILED', true),
      });
      return;
    }
    await Promise.all(batch.map((b) => b.delivery.ack().catch(() => undefined)));
    this.counters.archived += records.length;
    this.counters.batches++;
    this.events.next({ type: 'flushed', records: records.length });
  }
}
