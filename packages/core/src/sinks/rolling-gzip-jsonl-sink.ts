import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ArchiveRecord, ArchiveSink } from '../archive-sink.js';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { ConfigurationError, SinkWriteError } from '../errors.js';

const gzipAsync = promisify(gzip);

/**
 * Options of {@link RollingGzipJsonlSink}.
 *
 * @example
 * ```ts
 * const opts: RollingGzipJsonlSinkOptions = { directory: 'data/archive/scores', maxRecords: 1000, maxAgeMs: 5000 };
 * ```
 */
export interface RollingGzipJsonlSinkOptions {
  /** Folder of the files; created if missing. */
  readonly directory: string;
  /** A file is closed once it holds this many records. Default 1000. */
  readonly maxRecords?: number;
  /** A file is closed once it is this old, in ms. Default 5000. */
  readonly maxAgeMs?: number;
  /** `fdatasync` each batch before acknowledging it. Default `true`. */
  readonly sync?: boolean;
  /** File name prefix. Default `part`. */
  readonly prefix?: string;
  readonly clock?: Clock;
}

/**
 * Writes records as gzip-compressed JSON lines, one line per record, rolling to a new file at
 * `maxRecords` records or `maxAgeMs`, whichever comes first. Each batch is appended as its own
 * gzip member and synced before `write` resolves, so an acknowledged record is on disk even if
 * the process dies mid-file. Any gzip reader (`zcat`, `zlib.gunzipSync`) reads the files whole.
 *
 * @example
 * ```ts
 * const sink = new RollingGzipJsonlSink({ directory: 'data/archive/decoy' });
 * await sink.write([record]);
 * await sink.close();
 * ```
 */
export class RollingGzipJsonlSink implements ArchiveSink {
  private readonly directory: string;
  private readonly maxRecords: number;
  private readonly maxAgeMs: number;
  private readonly sync: boolean;
  private readonly prefix: string;
  private readonly clock: Clock;
  private file: { handle: FileHandle; path: string; records: number; openedAt: number } | undefined;
  private seq = 0;
  private ready: Promise<unknown> | undefined;
  private closed = false;
  private filesWritten: string[] = [];
  /** Writes and rolls run one at a time, so a timed roll never closes a file mid-append. */
  private chain: Promise<unknown> = Promise.resolve();
  private ageTimer: Timer | undefined;

  constructor(options: RollingGzipJsonlSinkOptions) {
    this.directory = options.directory;
    this.maxRecords = options.maxRecords ?? 1000;
    this.maxAgeMs = options.maxAgeMs ?? 5000;
    if (!(this.maxRecords >= 1) || !(this.maxAgeMs > 0))
      throw new ConfigurationError('maxRecords and maxAgeMs must be positive');
    this.sync = options.sync ?? true;
    this.prefix = options.prefix ?? 'part';
    this.clock = options.clock ?? systemClock;
  }

  /** Paths of the files this sink has written, oldest first. */
  get files(): readonly string[] {
    return this.filesWritten;
  }

  write(records: readonly ArchiveRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new SinkWriteError('sink is closed', { retryable: false }));
    return this.serial(() => this.append(records));
  }

  private async append(records: readonly ArchiveRecord[]): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true });
    try {
      await this.ready;
      let offset = 0;
      while (offset < records.length) {
        const file = await this.current();
        const take = Math.min(records.length - offset, this.maxRecords - file.records);
        const lines = records
          .slice(offset, offset + take)
          .map((r) => `${JSON.stringify(r)}\n`)
          .join('');
        // Compress on the thread pool: a synchronous gzip of a large batch stalls the event loop.
        await file.handle.appendFile(await gzipAsync(lines));
        if (this.sync) await file.handle.datasync();
        file.records += take;
        offset += take;
        if (file.records >= this.maxRecords) await this.roll();
      }
    } catch (cause) {
      this.ready = undefined; // a failed mkdir is tried again by the next write, not cached
      throw new SinkWriteError(`writing to ${this.directory} failed`, { retryable: true, cause });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.serial(() => this.roll());
  }

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.chain.then(operation, operation);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async current(): Promise<NonNullable<RollingGzipJsonlSink['file']>> {
    const now = this.clock.now();
    if (this.file && now - this.file.openedAt >= this.maxAgeMs) await this.roll();
    if (!this.file) {
      const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
      const path = join(
        this.directory,
        `${this.prefix}-${stamp}-${process.pid}-${String(this.seq++).padStart(6, '0')}.jsonl.gz`,
      );
      this.file = { handle: await open(path, 'a'), path, records: 0, openedAt: now };
      this.filesWritten.push(path);
      // Close the file at its age even if no further record comes, so it is complete on disk.
      const opened = this.file;
      this.ageTimer = this.clock.setTimeout(() => {
        void this.serial(async () => {
          if (this.file === opened) await this.roll();
        }).catch(() => undefined);
      }, this.maxAgeMs);
    }
    return this.file;
  }

  private async roll(): Promise<void> {
    this.ageTimer?.cancel();
    this.ageTimer = undefined;
    const file = this.file;
    this.file = undefined;
    await file?.handle.close();
  }
}
