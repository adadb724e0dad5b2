import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ArchiveRecord } from '../archive-sink.js';

/**
 * Reads every record of a folder written by {@link RollingGzipJsonlSink}, file by file in
 * name order. A truncated last line (a crash mid-write) is skipped.
 *
 * @example
 * ```ts
 * const records = await readJsonlArchive('data/archive/scores');
 * const answered = new Set(records.map((r) => r.requestId));
 * ```
 */
export async function readJsonlArchive(directory: string): Promise<ArchiveRecord[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.jsonl.gz')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ArchiveRecord[] = [];
  for (const name of names) {
    const text = gunzipSync(await readFile(join(directory, name))).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as ArchiveRecord);
      } catch {
        // a partial line from an interrupted write
      }
    }
  }
  return records;
}
