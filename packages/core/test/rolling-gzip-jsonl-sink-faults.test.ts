import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  type ArchiveFileHandle,
  type ArchiveRecord,
  RollingGzipJsonlSink,
  readJsonlArchive,
  readJsonlArchiveWithReport,
  SinkWriteError,
} from '@rendezvous-ml/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A real, small filesystem that fills up: a 256 KiB tmpfs (needs root, or CAP_SYS_ADMIN). */
async function mountTmpfs(): Promise<string | undefined> {
  const where = await mkdtemp(join(tmpdir(), 'rendezvous-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', where], { stdio: 'pipe' });
    return where;
  } catch (error) {
    console.warn(
      `SKIPPING the full-disk test: cannot mount a tmpfs (${String(error).split('\n')[0]}). ` +
        'Run as root to include it; the injected-fault tests below still run.',
    );
    await rm(where, { recursive: true, force: true });
    return undefined;
  }
}
const tmpfs = await mountTmpfs();
afterAll(async () => {
  if (!tmpfs) return;
  // Lazy: a failed test may leave a file open on it; the mount goes once that is closed.
  execFileSync('umount', ['-l', tmpfs]);
  await rm(tmpfs, { recursive: true, force: true });
});

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'rendezvous-sink-faults-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records that gzip cannot shrink much, so a few batches fill the tmpfs. */
const batchOf = (b: number, size: number): ArchiveRecord[] =>
  Array.from({ length: size }, (_, i) => ({
    kind: 'request',
    id: `b${b}-${i}`,
    requestId: `b${b}-${i}`,
    archivedAt: b,
    request: {
      v: 1,
      id: `b${b}-${i}`,
      ts: 0,
      deadline: 1,
      replyTo: 'x',
      input: { pad: randomBytes(1500).toString('base64') },
      meta: {},
    },
  }));

const ids = (records: readonly ArchiveRecord[]) => records.map((r) => r.id);
const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

/** Opens real files whose next `tears` appends write half their bytes, then fail with ENOSPC. */
function faultyOpen(faults: { tears: number; truncateFails: boolean }) {
  return async (path: string): Promise<ArchiveFileHandle> => {
    const real = await open(path, 'a');
    return {
      async appendFile(data) {
        if (faults.tears > 0) {
          faults.tears--;
          await real.appendFile(data.subarray(0, Math.floor(data.length / 2)));
          throw errno('ENOSPC');
        }
        await real.appendFile(data);
      },
      datasync: () => real.datasync(),
      async truncate(length) {
        if (faults.truncateFails) throw errno('EIO');
        await real.truncate(length);
      },
      close: () => real.close(),
    };
  };
}

async function refusal(write: Promise<void>): Promise<unknown> {
  return write.then(
    () => expect.fail('the write should have been refused'),
    (e: unknown) => e,
  );
}

describe('RollingGzipJsonlSink under faults', () => {
  it.skipIf(!tmpfs)(
    'after the disk fills and frees, writes resume; every acknowledged record reads back and gunzip -t passes every file',
    async () => {
      const archive = join(tmpfs ?? '', `archive-${Date.now()}`);
      const filler = join(tmpfs ?? '', 'filler');
      await writeFile(filler, Buffer.alloc(96 * 1024));
      const sink = new RollingGzipJsonlSink({ directory: archive, maxRecords: 40 });
      const acked: string[] = [];
      const refused: ArchiveRecord[][] = [];
      for (let b = 0; refused.length < 3; b++) {
        if (b > 500) expect.fail('the disk never filled');
        const batch = batchOf(b, 1 + (b % 4));
        try {
          await sink.write(batch);
          acked.push(...ids(batch));
        } catch (e) {
          expect(e).toBeInstanceOf(SinkWriteError);
          expect(e).toMatchObject({ retryable: true, cause: { code: 'ENOSPC' } });
          refused.push(batch);
        }
      }
      await rm(filler);
      for (const batch of refused) await sink.write(batch); // the archiver's retry
      for (let b = 1000; b < 1005; b++) await sink.write(batchOf(b, 3));
      await sink.close();
      const expected = [...acked, ...refused.flatMap(ids)];
      for (let b = 1000; b < 1005; b++) expected.push(...ids(batchOf(b, 3)));

      for (const name of await readdir(archive))
        execFileSync('gunzip', ['-t', join(archive, name)], { stdio: 'pipe' });
      const report = await readJsonlArchiveWithReport(archive);
      expect(report.tornRegions).toEqual([]);
      expect(report.emptyFiles).toEqual([]);
      expect(report.duplicatesDropped).toBe(0);
      expect(new Set(ids(report.records))).toEqual(new Set(expected));
      await rm(archive, { recursive: true });
    },
  );

  it('cuts a torn append off, so the next batch lands in the same file and zlib reads it whole', async () => {
    const faults = { tears: 0, truncateFails: false };
    const sink = new RollingGzipJsonlSink({ directory: dir, openFile: faultyOpen(faults) });
    await sink.write(batchOf(0, 2));
    faults.tears = 1;
    const e = await refusal(sink.write(batchOf(1, 2)));
    expect(e).toBeInstanceOf(SinkWriteError);
    expect(e).toMatchObject({ retryable: true, cause: { code: 'ENOSPC' } });
    await sink.write(batchOf(2, 2));
    await sink.close();
    expect(sink.files).toHaveLength(1);
    const lines = gunzipSync(await readFile(sink.files[0] ?? '')).toString('utf8');
    expect(
      lines
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as ArchiveRecord).id),
    ).toEqual(['b0-0', 'b0-1', 'b2-0', 'b2-1']);
  });

  it('when truncate fails too, closes the torn file and writes later batches to a new file', async () => {
    const faults = { tears: 0, truncateFails: true };
    const sink = new RollingGzipJsonlSink({ directory: dir, openFile: faultyOpen(faults) });
    await sink.write(batchOf(0, 2));
    faults.tears = 1;
    expect(await refusal(sink.write(batchOf(1, 2)))).toMatchObject({ retryable: true });
    await sink.write(batchOf(1, 2)); // the retry
    await sink.close();
    expect(sink.files).toHaveLength(2);
    expect(() => gunzipSync(readFileSync(sink.files[1] ?? ''))).not.toThrow();
    const report = await readJsonlArchiveWithReport(dir);
    expect(ids(report.records)).toEqual(['b0-0', 'b0-1', 'b1-0', 'b1-1']);
    expect(report.tornRegions).toEqual([
      expect.objectContaining({ file: sink.files[0], bytesSkipped: expect.any(Number) }),
    ]);
  });

  it('removes a file that never got a whole member, leaving no empty or torn file behind', async () => {
    for (const truncateFails of [false, true]) {
      const folder = join(dir, `truncate-fails-${truncateFails}`);
      const sink = new RollingGzipJsonlSink({
        directory: folder,
        openFile: faultyOpen({ tears: 1, truncateFails }),
      });
      await refusal(sink.write(batchOf(0, 1)));
      await sink.close();
      expect(sink.files).toEqual([]);
      expect(await readdir(folder)).toEqual([]);
    }
  });

  it('a batch refused half-way through a roll is retried without storing its first part twice', async () => {
    const faults = { tears: 0, truncateFails: false };
    const sink = new RollingGzipJsonlSink({
      directory: dir,
      maxRecords: 2,
      openFile: faultyOpen(faults),
    });
    const batch = batchOf(0, 4);
    await sink.write(batch.slice(0, 1));
    faults.tears = 1; // the second file's first append tears
    await refusal(sink.write(batch));
    await sink.write(batch);
    await sink.close();
    expect((await readJsonlArchiveWithReport(dir)).duplicatesDropped).toBe(0);
    expect(ids(await readJsonlArchive(dir))).toEqual(ids(batch));
  });
});
