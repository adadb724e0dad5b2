import { mkdtemp, readdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  type ArchiveRecord,
  Decoy,
  first,
  RollingGzipJsonlSink,
  readJsonlArchive,
  SinkWriteError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frontEndRig } from './harness.js';

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'rendezvous-sink-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number): ArchiveRecord => ({
  kind: 'request',
  id: `r${i}`,
  requestId: `r${i}`,
  archivedAt: i,
  request: {
    v: 1,
    id: `r${i}`,
    ts: 0,
    deadline: 1,
    replyTo: 'x',
    input: { i, text: 'é ✓ "quoted"\nnewline' },
    meta: {},
  },
});

const linux = process.platform === 'linux';

/** Files under `folder` this process holds open (Linux: read from /proc/self/fd). */
async function openFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target.startsWith(`${folder}/`)) out.push(target);
  }
  return out.sort();
}

/** Records of one file, read with nothing but zlib. */
async function linesOf(path: string): Promise<ArchiveRecord[]> {
  const text = gunzipSync(await readFile(path)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ArchiveRecord);
}

describe('RollingGzipJsonlSink', () => {
  it('rolls to a new file at maxRecords, even within one batch', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, maxRecords: 2, sync: false });
    await sink.write([0, 1, 2, 3, 4].map(record));
    expect(sink.files).toHaveLength(3);
    await sink.write([record(5)]);
    expect(sink.files).toHaveLength(3); // the third file is now full
    await sink.write([record(6)]);
    expect(sink.files).toHaveLength(4);
    await sink.close();
    const perFile = await Promise.all(sink.files.map(linesOf));
    expect(perFile.map((f) => f.map((r) => r.id))).toEqual([
      ['r0', 'r1'],
      ['r2', 'r3'],
      ['r4', 'r5'],
      ['r6'],
    ]);
    expect((await readdir(dir)).sort()).toEqual(sink.files.map((f) => basename(f)).sort());
  });

  it('rolls to a new file once the current one is maxAgeMs old (virtual clock)', async () => {
    const clock = new VirtualClock(Date.UTC(2024, 0, 1));
    const sink = new RollingGzipJsonlSink({ directory: dir, maxAgeMs: 1000, clock });
    await sink.write([record(0)]);
    await clock.advance(999);
    await sink.write([record(1)]);
    expect(sink.files).toHaveLength(1);
    await clock.advance(1);
    await sink.write([record(2)]);
    expect(sink.files).toHaveLength(2);
    await sink.close();
    expect(sink.files.map((f) => basename(f))).toEqual([
      expect.stringMatching(/^part-2024-01-01T00-00-00-000Z-\d+-000000\.jsonl\.gz$/),
      expect.stringMatching(/^part-2024-01-01T00-00-01-000Z-\d+-000001\.jsonl\.gz$/),
    ]);
    // One gzip member per batch: the first file holds two, and zlib reads them as one stream.
    expect((await linesOf(sink.files[0]!)).map((r) => r.id)).toEqual(['r0', 'r1']);
    expect((await linesOf(sink.files[1]!)).map((r) => r.id)).toEqual(['r2']);
  });

  it.runIf(linux)(
    'closes an idle file once it is maxAgeMs old, without waiting for another write',
    async () => {
      const clock = new VirtualClock(0);
      const sink = new RollingGzipJsonlSink({
        directory: dir,
        maxRecords: 100,
        maxAgeMs: 1000,
        clock,
      });
      await sink.write([record(1)]);
      expect(await openFiles(dir)).toHaveLength(1);
      await clock.advance(999);
      expect(await openFiles(dir)).toHaveLength(1);
      await clock.advance(1);
      await clock.tick();
      expect(await openFiles(dir)).toEqual([]);
      expect((await linesOf(sink.files[0]!)).map((r) => r.id)).toEqual(['r1']);
      await sink.write([record(2)]);
      expect(sink.files).toHaveLength(2);
      await sink.close();
    },
  );

  it('writes files readJsonlArchive reads back in order, byte for byte', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, maxRecords: 3, prefix: 'scores' });
    const all = Array.from({ length: 8 }, (_, i) => record(i));
    await sink.write(all.slice(0, 5));
    await sink.write(all.slice(5));
    await sink.close();
    await writeFile(join(dir, 'README.txt'), 'not an archive');
    expect(await readJsonlArchive(dir)).toEqual(all);
    expect(sink.files.every((f) => basename(f).startsWith('scores-'))).toBe(true);
  });

  it.skipIf(!linux)('close() closes the open file; closing twice is harmless', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, maxRecords: 10 });
    await sink.write([record(0)]);
    expect(await openFiles(dir)).toEqual(sink.files);
    await sink.close();
    expect(await openFiles(dir)).toEqual([]);
    await sink.close();
  });

  it('refuses writes after close()', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, maxRecords: 10 });
    await sink.write([record(0)]);
    await sink.close();
    const refused = await sink.write([record(1)]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SinkWriteError);
    expect(refused).toMatchObject({ code: 'SINK_WRITE_FAILED', retryable: false });
    expect((await linesOf(sink.files[0]!)).map((r) => r.id)).toEqual(['r0']);
  });

  it.skipIf(!linux)('a file rolled at maxRecords is closed at once', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, maxRecords: 2 });
    await sink.write([record(0), record(1), record(2)]);
    expect(await openFiles(dir)).toEqual([sink.files[1]]);
    await sink.close();
    expect(await openFiles(dir)).toEqual([]);
  });

  it('reports a failed write as a retryable SinkWriteError and recovers once the cause is gone', async () => {
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'a file where the folder should be');
    const sink = new RollingGzipJsonlSink({ directory: join(blocked, 'inner') });
    const e = await sink.write([record(0)]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SinkWriteError);
    expect(e).toMatchObject({ retryable: true });
    expect((e as Error).cause).toBeDefined();
    await rm(blocked);
    await sink.write([record(1)]);
    await sink.close();
    expect((await readJsonlArchive(join(blocked, 'inner'))).map((r) => r.id)).toEqual(['r1']);
  });

  it('stores a redelivered batch once: the sink skips ids it wrote recently', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, sync: false });
    await sink.write([record(0), record(1)]);
    await sink.write([record(1), record(0), record(2)]); // a redelivery, plus one new record
    await sink.write([record(3), record(3)]);
    await sink.close();
    expect((await linesOf(sink.files[0] ?? '')).map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('remembers only the last recentIds ids (the window is bounded)', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, sync: false, recentIds: 2 });
    await sink.write([record(0), record(1), record(2)]);
    await sink.write([record(2)]); // still remembered: skipped
    await sink.write([record(0)]); // forgotten: stored again, and the reader keeps one copy
    await sink.close();
    expect((await linesOf(sink.files[0] ?? '')).map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r0']);
    expect((await readJsonlArchive(dir)).map((r) => r.id)).toEqual(['r0', 'r1', 'r2']);
  });

  it('readJsonlArchive of a folder that does not exist is empty', async () => {
    expect(await readJsonlArchive(join(dir, 'missing'))).toEqual([]);
  });

  it('as the sink of a decoy, holds every input once the decoy has stopped', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const decoy = new Decoy({
      transport: new MemoryTransport({ broker: b.broker }),
      sinks: [new RollingGzipJsonlSink({ directory: dir, maxRecords: 2, clock: b.clock })],
      clock: b.clock,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    await decoy.start();
    for (let i = 0; i < 5; i++)
      void b.rendezvous.request({ 'a@1': { ms: 1 }, i }, { id: `q${i}` }).catch(() => undefined);
    await b.clock.advance(1);
    await decoy.stop();
    const archived = await readJsonlArchive(dir);
    expect(archived.map((r) => r.requestId)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
    expect((await readdir(dir)).length).toBe(3);
    await b.close();
  });
});
