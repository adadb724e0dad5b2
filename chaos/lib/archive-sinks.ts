import { type ArchiveRecord, type ArchiveSink, SinkWriteError } from '@rendezvous-ml/core';
import { sleep } from './steady-load.js';

/**
 * A sink wrapper whose `write` rejects (retryable, as a sink that is down would) while a fault
 * window is open, and forwards to `inner` otherwise.
 *
 * @example
 * ```ts
 * const sink = new FaultySink(new RollingGzipJsonlSink({ directory }));
 * await sink.failFor(10_000); // resolves when the window closes
 * ```
 */
export class FaultySink implements ArchiveSink {
  private failUntil = 0;
  /** Batches refused by the fault. */
  refusedBatches = 0;

  constructor(private readonly inner: ArchiveSink) {}

  /** Makes every `write` reject for the next `ms`; resolves when that window has closed. */
  failFor(ms: number): Promise<void> {
    this.failUntil = Date.now() + ms;
    return sleep(ms);
  }

  write(records: readonly ArchiveRecord[]): Promise<void> {
    if (Date.now() < this.failUntil) {
      this.refusedBatches++;
      return Promise.reject(new SinkWriteError('chaos: the sink is down'));
    }
    return this.inner.write(records);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * The last sink of an archiver: it writes nothing and remembers the request ids of every batch
 * that reached it. The archiver calls it only after every sink before it has written the
 * batch, and acknowledges the batch right after, so its set is what the archiver acknowledged.
 *
 * @example
 * ```ts
 * const acked = new AcknowledgedIds();
 * new Decoy({ transport, sinks: [fileSink, acked] });
 * ```
 */
export class AcknowledgedIds implements ArchiveSink {
  readonly ids = new Set<string>();

  async write(records: readonly ArchiveRecord[]): Promise<void> {
    for (const r of records) this.ids.add(r.requestId);
  }

  async close(): Promise<void> {}
}
