import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ArchiveRecord, readJsonlArchive } from '@rendezvous-ml/core';
import { sleep } from './steady-load.js';

/** What was read back from one archive. */
export interface ArchiveRead {
  readonly records: readonly ArchiveRecord[];
  /** Files the reader could not read (it threw on them). */
  readonly unreadableFiles: readonly string[];
  readonly files: number;
}

/** The comparison of one archive with what must be in it. */
export interface ArchiveCheck {
  /** Which archive: `decoy`, `scores`, `elasticsearch:decoy-log`... */
  readonly archive: string;
  /** Request ids that must be there (answered requests: they were published). */
  readonly expected: number;
  /** Request ids the archiver acknowledged (its sinks confirmed them), when observable. */
  readonly acknowledged: number | null;
  /** Expected or acknowledged request ids that are readable. */
  readonly readable: number;
  /** Expected or acknowledged request ids that are not readable. */
  readonly lost: number;
  /** Records whose id was read more than once. */
  readonly duplicates: number;
  readonly unreadableFiles: number;
  readonly files: number;
}

/**
 * Reads an archive folder with the core's `readJsonlArchive`. If the reader throws, each file
 * is read on its own (through a symlink in a temporary folder) so that the files it can read
 * still count and the ones it cannot are named.
 *
 * @example
 * ```ts
 * const { records, unreadableFiles } = await readArchive('/tmp/archive/decoy');
 * ```
 */
export async function readArchive(directory: string): Promise<ArchiveRead> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.jsonl.gz')).sort();
  } catch {
    return { records: [], unreadableFiles: [], files: 0 };
  }
  try {
    return { records: await readJsonlArchive(directory), unreadableFiles: [], files: names.length };
  } catch {
    // one file (or more) makes the reader throw: find which, keep the rest
  }
  const records: ArchiveRecord[] = [];
  const unreadableFiles: string[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'chaos-read-'));
  try {
    for (const name of names) {
      const one = await mkdtemp(join(scratch, 'f-'));
      await symlink(resolve(directory, name), join(one, name));
      try {
        records.push(...(await readJsonlArchive(one)));
      } catch {
        unreadableFiles.push(name);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { records, unreadableFiles, files: names.length };
}

/** Compares what was read with the request ids that must be there. */
export function compareArchive(
  archive: string,
  read: Pick<ArchiveRead, 'records' | 'files'> & { readonly unreadableFiles: readonly unknown[] },
  expected: ReadonlySet<string>,
  acknowledged?: ReadonlySet<string>,
): ArchiveCheck {
  const present = new Set<string>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of read.records) {
    present.add(r.requestId);
    if (seen.has(r.id)) duplicates++;
    else seen.add(r.id);
  }
  const must = new Set([...expected, ...(acknowledged ?? [])]);
  let readable = 0;
  for (const id of must) if (present.has(id)) readable++;
  return {
    archive,
    expected: expected.size,
    acknowledged: acknowledged ? acknowledged.size : null,
    readable,
    lost: must.size - readable,
    duplicates,
    unreadableFiles: read.unreadableFiles.length,
    files: read.files,
  };
}

/**
 * Polls `readIds` until every id `expected()` names is there and `expected()` is complete, for
 * at most `boundMs` after `since`. Returns the time from `since` to that moment, or null if it
 * never came (a read that throws, such as a file caught mid-append, counts as "not yet").
 */
export async function awaitCatchUp(
  readIds: () => Promise<ReadonlySet<string>>,
  expected: () => { readonly ids: ReadonlySet<string>; readonly settled: boolean },
  since: number,
  boundMs: number,
): Promise<number | null> {
  while (Date.now() - since <= boundMs) {
    const want = expected();
    if (want.settled) {
      const ids = await readIds().catch(() => new Set<string>());
      let all = true;
      for (const id of want.ids)
        if (!ids.has(id)) {
          all = false;
          break;
        }
      if (all) return Math.max(0, Date.now() - since);
    }
    await sleep(250);
  }
  return null;
}

/** The request ids of a folder archive, for {@link awaitCatchUp}. */
export function folderIds(directory: string): () => Promise<ReadonlySet<string>> {
  return async () => new Set((await readArchive(directory)).records.map((r) => r.requestId));
}
