import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveRecord } from '../archive-sink.js';
import { gzipStretches } from './gzip-members.js';

/**
 * Bytes of an archive file that {@link readJsonlArchive} skipped: a gzip member cut short (the
 * process died mid-append, or the disk filled), or bytes that are no gzip at all.
 */
export interface JsonlArchiveTornRegion {
  /** Path of the file (the folder joined with the file name). */
  readonly file: string;
  /** Where the skipped bytes start. */
  readonly offset: number;
  /** How many bytes were skipped; reading resumed at the next whole gzip member, or at the end. */
  readonly bytesSkipped: number;
}

/**
 * One file of an archive, as {@link readJsonlArchiveFiles} yields it.
 *
 * @example
 * ```ts
 * for await (const f of readJsonlArchiveFiles(dir)) if (f.tornRegions.length) console.warn(f.file);
 * ```
 */
export interface JsonlArchiveFile {
  readonly file: string;
  /** Records of the file's whole gzip members, in file order; not deduplicated. */
  readonly records: ArchiveRecord[];
  readonly tornRegions: JsonlArchiveTornRegion[];
  /** The file has no bytes at all (a process died between creating it and its first append). */
  readonly empty: boolean;
  /** Lines inside whole members that are not a JSON object. The sink never writes them. */
  readonly malformedLines: number;
}

/**
 * What {@link readJsonlArchiveWithReport} read, and what it had to skip.
 *
 * @example
 * ```ts
 * const { records, tornRegions, duplicatesDropped } = await readJsonlArchiveWithReport(dir);
 * ```
 */
export interface JsonlArchiveReport {
  /** Each `id` once, in the order it was first written, holding the last written copy. */
  readonly records: ArchiveRecord[];
  /** Every `*.jsonl.gz` file read, in name order. */
  readonly files: string[];
  readonly tornRegions: JsonlArchiveTornRegion[];
  readonly emptyFiles: string[];
  /** Copies of an `id` dropped because a later copy exists (redeliveries across restarts). */
  readonly duplicatesDropped: number;
  readonly malformedLines: number;
}

/**
 * Reads every file of a folder written by {@link RollingGzipJsonlSink}, one file at a time in
 * name order (which is the order the sink wrote them), without deduplication. Never throws for
 * damaged content: a torn gzip member is skipped and reading resumes at the next gzip header, so
 * members appended after a tear are still read; an empty file is reported as `empty`. A missing
 * folder yields nothing. Errors reading the folder or a file (permissions, EIO) are thrown.
 *
 * @example
 * ```ts
 * let n = 0;
 * for await (const file of readJsonlArchiveFiles('data/archive/scores')) n += file.records.length;
 * ```
 */
export async function* readJsonlArchiveFiles(directory: string): AsyncGenerator<JsonlArchiveFile> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.jsonl.gz')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const file = join(directory, name);
    const bytes = await readFile(file);
    const records: ArchiveRecord[] = [];
    const tornRegions: JsonlArchiveTornRegion[] = [];
    let malformedLines = 0;
    for (const stretch of gzipStretches(bytes)) {
      if (stretch.kind === 'torn') {
        tornRegions.push({ file, offset: stretch.offset, bytesSkipped: stretch.length });
        continue;
      }
      for (const line of stretch.data.toString('utf8').split('\n')) {
        if (!line) continue;
        const parsed = parseRecord(line);
        if (parsed) records.push(parsed);
        else malformedLines++;
      }
    }
    yield { file, records, tornRegions, empty: bytes.length === 0, malformedLines };
  }
}

/**
 * Reads a whole archive folder like {@link readJsonlArchive} and says what it skipped: torn
 * regions, empty files, duplicate ids and malformed lines. Use it to alert on damage.
 *
 * @example
 * ```ts
 * const report = await readJsonlArchiveWithReport('data/archive/scores');
 * if (report.tornRegions.length) console.warn('archive damaged', report.tornRegions);
 * ```
 */
export async function readJsonlArchiveWithReport(directory: string): Promise<JsonlArchiveReport> {
  const records: ArchiveRecord[] = [];
  const slotOf = new Map<string, number>();
  const files: string[] = [];
  const tornRegions: JsonlArchiveTornRegion[] = [];
  const emptyFiles: string[] = [];
  let duplicatesDropped = 0;
  let malformedLines = 0;
  for await (const f of readJsonlArchiveFiles(directory)) {
    files.push(f.file);
    tornRegions.push(...f.tornRegions);
    if (f.empty) emptyFiles.push(f.file);
    malformedLines += f.malformedLines;
    for (const r of f.records) {
      const slot = typeof r.id === 'string' ? slotOf.get(r.id) : undefined;
      if (slot === undefined) {
        if (typeof r.id === 'string') slotOf.set(r.id, records.length);
        records.push(r);
        continue;
      }
      // The later copy wins, at the place of the first, so the order stays first-written.
      records[slot] = r;
      duplicatesDropped++;
    }
  }
  return { records, files, tornRegions, emptyFiles, duplicatesDropped, malformedLines };
}

/**
 * Reads every record of a folder written by {@link RollingGzipJsonlSink}, file by file in name
 * order, each `id` once. What it does with damage and duplicates:
 *
 * - **Crash mid-append or full disk**: a torn gzip member is skipped and reading resumes at the
 *   next gzip header, so every whole member (every acknowledged batch) before and after it is read.
 * - **Empty file** (a process died between creating a file and its first append): skipped.
 * - **Redelivery** (the same `id` written twice, e.g. by two sink instances across a restart):
 *   one record per `id`, the last written copy, at the place of the first.
 *
 * It never throws for damaged content; {@link readJsonlArchiveWithReport} says what was skipped.
 * A folder that does not exist reads as empty.
 *
 * @example
 * ```ts
 * const records = await readJsonlArchive('data/archive/scores');
 * const answered = new Set(records.map((r) => r.requestId));
 * ```
 */
export async function readJsonlArchive(directory: string): Promise<ArchiveRecord[]> {
  return (await readJsonlArchiveWithReport(directory)).records;
}

function parseRecord(line: string): ArchiveRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as ArchiveRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
