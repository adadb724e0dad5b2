import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ArchiveRecord, ArchiveSink } from '../archive-sink.js';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { ConfigurationError, SinkWriteError } from '../errors.js';
import { type RejectedRecord, RejectedRecordsError } from '../rejected-records-error.js';
import { RecentIds } from './recent-ids.js';

const gzipAsync = promisify(gzip);

/**
 * The part of a `FileHandle` that {@link RollingGzipJsonlSink} uses. Node's `FileHandle` is one;
 * tests pass a wrapper that fails on purpose (a torn write, a failing `truncate`).
 *
 * @example
 * ```ts
 * const openFile = async (path: string): Promise<ArchiveFileHandle> => fs.promises.open(path, 'a');
 * ```
 */
export interface ArchiveFileHandle {
  appendFile(data: Uint8Array): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

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
  /**
   * How many of the most recently written ids the sink remembers, to skip a redelivered record
   * instead of storing it again. Default 100 000 (a few MB); 0 stores every copy.
   */
  readonly recentIds?: number;
  /** Opens a file for appending. For fault-injection tests; default `fs.promises.open(path, 'a')`. */
  readonly openFile?: (path: string) => Promise<ArchiveFileHandle>;
  readonly clock?: Clock;
}

interface OpenFile {
  readonly handle: ArchiveFileHandle;
  readonly path: string;
  readonly openedAt: number;
  records: number;
  /** Bytes of whole, synced gzip members: where the file is cut back to after a failed append. */
  length: number;
}

/**
 * Writes records as gzip-compressed JSON lines, one line per record, rolling to a new file at
 * `maxRecords` records or `maxAgeMs`, whichever comes first. Each batch is appended as its own
 * gzip member and synced before `write` resolves. A file is created at its first append, never
 * before, and a file left without a whole member is removed when it is closed.
 *
 * - **Crash** (the process dies mid-append): every acknowledged batch is a whole, synced member;
 *   the batch in flight may leave a torn member at the end of the file (or, if the process died
 *   between creating a file and its first append, an empty file). `zcat` stops at the tear;
 *   {@link readJsonlArchive} skips it and reads everything acknowledged.
 * - **Full disk, I/O error**: `write` rejects with a retryable {@link SinkWriteError}. The torn
 *   bytes are cut off (`truncate` to the last whole member) so the file stays readable by any
 *   gzip reader; if that fails too, the file is closed and later batches go to a new file, never
 *   behind torn bytes. Once space is back, the retried batch and the next ones are written.
 * - **Redelivery**: a record whose `id` this instance wrote among its last `recentIds` ids is
 *   skipped (the first stored copy stays). Across instances (a restart) a copy may be stored
 *   twice; {@link readJsonlArchive} returns each `id` once.
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
  private readonly openFile: (path: string) => Promise<ArchiveFileHandle>;
  private readonly recent: RecentIds;
  private file: OpenFile | undefined;
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
    const recentIds = options.recentIds ?? 100_000;
    if (!(this.maxRecords >= 1) || !(this.maxAgeMs > 0) || !(recentIds >= 0))
      throw new ConfigurationError('maxRecords and maxAgeMs must be positive, recentIds >= 0');
    this.sync = options.sync ?? true;
    this.prefix = options.prefix ?? 'part';
    this.clock = options.clock ?? systemClock;
    this.openFile = options.openFile ?? ((path) => open(path, 'a'));
    this.recent = new RecentIds(recentIds);
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

  private async append(batch: readonly ArchiveRecord[]): Promise<void> {
    const records = this.recent.unseen(batch);
    if (records.length === 0) return;
    const lines = encodeLines(records); // before any I/O: a record that cannot be encoded is no I/O error
    this.ready ??= mkdir(this.directory, { recursive: true });
    try {
      await this.ready;
      let offset = 0;
      while (offset < records.length) {
        const file = await this.current();
        const take = Math.min(records.length - offset, this.maxRecords - file.records);
        const chunk = records.slice(offset, offset + take);
        // Compress on the thread pool: a synchronous gzip of a large batch stalls the event loop.
        const member = await gzipAsync(lines.slice(offset, offset + take).join(''));
        await this.appendMember(file, member);
        this.recent.add(chunk);
        file.records += take;
        offset += take;
        if (file.records >= this.maxRecords) await this.roll();
      }
    } catch (cause) {
      this.ready = undefined; // a failed mkdir is tried again by the next write, not cached
      const code = (cause as NodeJS.ErrnoException).code;
      throw new SinkWriteError(`writing to ${this.directory} failed${code ? ` (${code})` : ''}`, {
        retryable: true,
        cause,
      });
    }
  }

  /** Appends one member, or leaves the file as it was: no later member lands behind torn bytes. */
  private async appendMember(file: OpenFile, member: Buffer): Promise<void> {
    try {
      await file.handle.appendFile(member);
      if (this.sync) await file.handle.datasync();
      file.length += member.length;
    } catch (error) {
      try {
        await file.handle.truncate(file.length);
      } catch {
        // The torn bytes stay (the reader skips them); the file is closed so none come after them.
        await this.roll().catch(() => undefined);
      }
      throw error;
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

  private async current(): Promise<OpenFile> {
    const now = this.clock.now();
    if (this.file && now - this.file.openedAt >= this.maxAgeMs) await this.roll();
    if (!this.file) {
      const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
      const path = join(
        this.directory,
        `${this.prefix}-${stamp}-${process.pid}-${String(this.seq++).padStart(6, '0')}.jsonl.gz`,
      );
      const opened: OpenFile = {
        handle: await this.openFile(path),
        path,
        openedAt: now,
        records: 0,
        length: 0,
      };
      this.file = opened;
      this.filesWritten.push(path);
      // Close the file at its age even if no further record comes, so it is complete on disk.
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
    if (!file) return;
    try {
      await file.handle.close();
    } finally {
      // A file without a whole member holds nothing acknowledged: remove it rather than leave
      // an empty (or torn) file for readers and `zcat`.
      if (file.length === 0) {
        this.filesWritten = this.filesWritten.filter((p) => p !== file.path);
        await unlink(file.path).catch(() => undefined);
      }
    }
  }
}

/**
 * One JSON line per record, or a {@link RejectedRecordsError} naming every record that cannot be
 * encoded (nested too deeply for the recursive `JSON.stringify`: a `RangeError`), so the
 * archiver dead-letters those at once and writes the rest, instead of taking a data error for
 * an outage and handing the whole batch back again and again.
 */
function encodeLines(records: readonly ArchiveRecord[]): string[] {
  const lines: string[] = [];
  const rejected: RejectedRecord[] = [];
  for (const r of records) {
    try {
      lines.push(`${JSON.stringify(r)}\n`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      rejected.push({ id: r.id, reason: `record ${r.id} cannot be encoded as JSON (${why})` });
    }
  }
  if (rejected.length > 0)
    throw new RejectedRecordsError(
      `${rejected.length} of ${records.length} records cannot be encoded as JSON`,
      rejected,
    );
  return lines;
}
