import { type Observable, Subject, type Subscription } from 'rxjs';
import { writeIsolatingPoison } from './archive-batch-writer.js';
import type { ArchiveRecord, ArchiveSink } from './archive-sink.js';
import {
  type ArchiverDrainOptions,
  type ArchiverDrainResult,
  drainArchiver,
} from './archiver-drain.js';
import { ArchiverHandBack } from './archiver-hand-back.js';
import {
  type ArchiverEvent,
  type ArchiverOptions,
  type ArchiverSource,
  type ArchiverStats,
  archiverLimits,
  archiverStreams,
} from './archiver-options.js';
import { type Clock, systemClock, type Timer } from './clock.js';
import { DeadLetters } from './dead-letters.js';
import { toRendezvousError } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import type { RetryOptions } from './retry.js';
import { toArchiveRecord } from './to-archive-record.js';
import type { Delivery, Transport } from './transport.js';
import { WritePause } from './write-pause.js';

export type { ArchiverEvent, ArchiverOptions, ArchiverSource, ArchiverStats };

interface Item {
  readonly record: ArchiveRecord;
  readonly delivery: Delivery;
}

/**
 * The option under which a component built on an archiver (a `Decoy`) gives the class name that
 * a stopped archiver's `start()` error tells the user to create anew ("… create a new Decoy").
 * A symbol, so it cannot clash with a user's option; not exported from the package.
 */
export const archiverKind: unique symbol = Symbol('rendezvous.archiverKind');

/** {@link ArchiverOptions} with the internal {@link archiverKind}. */
export interface NamedArchiverOptions extends ArchiverOptions {
  readonly [archiverKind]?: string;
}

/**
 * Persists what flows through the system: batches records by count and by time, writes each
 * batch to its sinks, and acknowledges the messages only after every sink has written them.
 *
 * No delivery is held for ever. A record a sink refuses for good (it names it, or the archiver
 * finds it by splitting the batch) goes to the dead letter with the reason, and the rest of its
 * batch is archived. A batch whose write fails in a way that may pass (the sink is down) is
 * handed back to the transport (`delivery.release`) with a backoff that grows per consecutive
 * failure (500 ms to 10 s by default); the archiver writes nothing during that backoff, so the
 * sink and the queue are not hammered, and it archives everything once the sink is back. A
 * pause ends in a round that writes everything held once: a delivery waits out one pause at
 * most, however many batches were queued ahead of it. After `maxDeliveries` failed deliveries
 * a message goes to the dead letter.
 *
 * Lifecycle: `start()` joins the group; `stop()` (which wins over a `start()` in progress)
 * flushes, waits for dead-letter writes, leaves the group and closes the sinks. A failed
 * `start()` can be retried; a stopped archiver cannot be started again (`NotStartedError`).
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
  private readonly stream: string;
  private readonly clock: Clock;
  private readonly deadLetters: DeadLetters;
  /** Releases failed batches with a backoff, dead-letters what cannot be archived. */
  private readonly handBack: ArchiverHandBack;
  private readonly events = new Subject<ArchiverEvent>();
  private batch: Item[] = [];
  private queued: Item[] = []; // taken from `batch`, waiting for the next round of writes
  private flushTimer: Timer | undefined;
  private writing: Promise<void> = Promise.resolve(); // the rounds of writes, one at a time
  private inWrite = 0; // items of the round in progress, not yet written or handed back
  private subscription: Subscription | undefined;
  private readonly lifecycle: Lifecycle;
  /** Left the group in `stop()`; anything still delivered is handed back. */
  private left = false;
  /** Set while the archiver waits after a failed batch; writes wait for `done`. */
  private pause: WritePause | undefined;
  private readonly counters = { archived: 0, batches: 0 };

  /** Events of this archiver. Completes on `stop()`. */
  readonly events$: Observable<ArchiverEvent> = this.events.asObservable();

  /** @param options What to archive, where, and how; checked here (`ConfigurationError`). */
  constructor(options: ArchiverOptions) {
    const kind = (options as NamedArchiverOptions)[archiverKind] ?? 'Archiver';
    this.transport = options.transport;
    this.source = options.source;
    this.sinks = options.sinks;
    this.group = options.group ?? `archiver:${options.source}`;
    this.lifecycle = new Lifecycle(`${kind.toLowerCase()} (group ${this.group})`, kind);
    this.consumer = options.consumer ?? `${this.group}-${Math.random().toString(36).slice(2, 8)}`;
    const limits = archiverLimits(options);
    ({ batchSize: this.batchSize, flushIntervalMs: this.flushIntervalMs } = limits);
    this.writeRetry = options.writeRetry ?? {};
    const streams = archiverStreams(options);
    this.stream = streams.source;
    this.clock = options.clock ?? systemClock;
    this.deadLetters = new DeadLetters(
      this.transport,
      streams.deadLetter,
      `archiver ${this.group}`,
      this.clock,
    );
    this.handBack = new ArchiverHandBack(this.deadLetters, limits, (e) => this.events.next(e));
  }

  /**
   * Joins the consumer group and starts archiving. Resolves without joining when `stop()` was
   * called meanwhile; rejects (and can be called again) when the group cannot be joined; rejects
   * with `NotStartedError` once the archiver is stopped (create a new one).
   */
  start(): Promise<void> {
    return this.lifecycle.start(() => this.join());
  }

  /** Counters for metrics. */
  stats(): ArchiverStats {
    return {
      ...this.counters,
      ...this.handBack.counters,
      deadLettered: this.deadLetters.count,
      pending: this.batch.length + this.queued.length + this.inWrite,
    };
  }

  /** Writes and acknowledges what is pending now, without waiting out a backoff. */
  flush(): Promise<void> {
    this.pause?.end();
    return this.enqueue();
  }

  /**
   * Resolves when everything received so far is settled: acknowledged once written, handed back,
   * or dead-lettered. With `caughtUp: true`, also when the group has caught up with the stream
   * (`groupLag` reads 0), up to `timeoutMs`: see {@link ArchiverDrainResult}. Never rejects for a timeout.
   */
  drain(options: ArchiverDrainOptions = {}): Promise<ArchiverDrainResult> {
    const { transport, stream, group } = this;
    const readable = this.lifecycle.running && transport.capabilities.groupLag;
    const lag =
      readable && transport.groupLag ? () => transport.groupLag!(stream, group) : undefined;
    const settle = () => this.flush().then(() => this.handBack.settled());
    return drainArchiver({ settle, lag, clock: this.clock }, options);
  }

  /**
   * Flushes what it holds — including messages that arrive while it flushes, for up to three
   * rounds — waits for dead-letter writes, leaves the group, hands back anything that arrived
   * after that, and closes the sinks. Wins over a `start()` in progress. Idempotent.
   */
  stop(): Promise<void> {
    return this.lifecycle.stop(() => this.shutdown());
  }

  /** A failure (ensureGroup, or a consume that throws) leaves nothing joined: retryable. */
  private async join(): Promise<void> {
    await this.transport.ensureGroup(this.stream, this.group);
    // Before subscribing, as a transport may deliver synchronously; false if stop() won.
    if (!this.lifecycle.enterRunning()) return;
    const options = { group: this.group, consumer: this.consumer, prefetch: this.batchSize * 2 };
    this.subscription = this.transport.consume(this.stream, options).subscribe({
      next: (d) => this.onDelivery(d),
      error: (error: unknown) =>
        this.events.next({
          type: 'write-failed',
          records: 0,
          error: toRendezvousError(error, 'CONNECTION_LOST', true),
        }),
    });
  }

  /** Runs once a start in progress has settled; the subscription is there if it joined. */
  private async shutdown(): Promise<void> {
    this.pause?.end();
    if (this.subscription) {
      for (let round = 0; round < 3; round++) {
        await this.enqueue();
        if (this.batch.length === 0) break;
      }
      // Deliveries arrive in later turns, so nothing slips in between these lines.
      const left = this.batch;
      this.batch = [];
      this.left = true;
      this.subscription.unsubscribe();
      this.subscription = undefined;
      await Promise.all(left.map((i) => this.handBack.release(i.delivery, 0)));
    }
    await this.handBack.settled();
    for (const sink of this.sinks) await sink.close().catch(() => undefined);
    this.events.complete();
  }

  private onDelivery(delivery: Delivery): void {
    if (this.left) {
      void this.handBack.release(delivery, 0); // left the group: hand it back to the others
      return;
    }
    if (this.handBack.overLimit(delivery)) return;
    const record = toArchiveRecord(this.source, delivery.payload, this.clock.now());
    if (record instanceof Error) {
      this.handBack.deadLetter(delivery, record);
      return;
    }
    this.batch.push({ record, delivery });
    if (!this.lifecycle.running) return; // stop() flushes
    if (this.batch.length >= this.batchSize) void this.enqueue();
    else if (!this.flushTimer)
      this.flushTimer = this.clock.setTimeout(() => void this.enqueue(), this.flushIntervalMs);
  }

  /** Queues the current batch for the next round of writes, behind the round in progress. */
  private enqueue(): Promise<void> {
    this.takeBatch();
    this.writing = this.writing.then(() => this.writeRound());
    return this.writing;
  }

  private takeBatch(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    this.queued = this.queued.concat(this.batch);
    this.batch = [];
  }

  /**
   * Waits out a pause, then writes everything held, `batchSize` at a time, each batch once, and
   * pauses if the last write failed (a pause per batch made the k-th batch queued wait k pauses).
   */
  private async writeRound(): Promise<void> {
    if (this.queued.length === 0) return; // an earlier round took them
    if (this.pause?.active && this.lifecycle.running) {
      await this.pause.done;
      // The partial batch too, or a redelivery back during the pause misses the round.
      this.takeBatch();
    }
    const round = this.queued;
    this.queued = [];
    this.inWrite += round.length;
    let pauseMs = 0;
    for (let i = 0; i < round.length; i += this.batchSize) {
      const chunk = round.slice(i, i + this.batchSize);
      pauseMs = await this.write(chunk).catch((error: unknown) =>
        this.handBack.batch(chunk, toRendezvousError(error, 'SINK_WRITE_FAILED')),
      );
      this.inWrite -= chunk.length;
    }
    if (pauseMs > 0 && this.lifecycle.running) this.pause = new WritePause(this.clock, pauseMs);
  }

  /** Writes one batch to every sink; resolves with the pause its failure asks for, or 0. */
  private async write(batch: readonly Item[]): Promise<number> {
    let pending: readonly Item[] = batch;
    for (const sink of this.sinks) {
      const out = await writeIsolatingPoison(sink, pending, {
        ...this.writeRetry,
        clock: this.clock,
      });
      for (const p of out.poisoned) this.handBack.deadLetter(p.item.delivery, p.error);
      if (out.failure) return this.handBack.batch(out.unwritten, out.failure);
      pending = out.written;
    }
    this.handBack.written();
    await Promise.all(pending.map((b) => b.delivery.ack().catch(() => undefined)));
    this.counters.archived += pending.length;
    this.counters.batches++;
    this.events.next({ type: 'flushed', records: pending.length });
    return 0;
  }
}
