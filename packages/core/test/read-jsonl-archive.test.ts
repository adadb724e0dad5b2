import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type ArchiveRecord,
  RollingGzipJsonlSink,
  readJsonlArchive,
  readJsonlArchiveFiles,
  readJsonlArchiveWithReport,
} from '@rendezvous-ml/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'rendezvous-reader-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number, archivedAt = i): ArchiveRecord => ({
  kind: 'request',
  id: `r${i}`,
  requestId: `r${i}`,
  archivedAt,
  request: { v: 1, id: `r${i}`, ts: 0, deadline: 1, replyTo: 'x', input: { i }, meta: {} },
});

/** One gzip member holding the records as JSON lines, as the sink appends a batch. */
const member = (records: readonly ArchiveRecord[]): Buffer =>
  gzipSync(records.map((r) => `${JSON.stringify(r)}\n`).join(''));

const ids = (records: readonly ArchiveRecord[]) => records.map((r) => r.id);

describe('readJsonlArchive', () => {
  it('reads the members before and after a torn member in the middle of a file', async () => {
    const good1 = member([record(0), record(1)]);
    const torn = member([record(2), record(3)]).subarray(0, 25); // a crash mid-append
    const good2 = member([record(4)]);
    await writeFile(join(dir, 'part-a.jsonl.gz'), Buffer.concat([good1, torn, good2]));
    expect(ids(await readJsonlArchive(dir))).toEqual(['r0', 'r1', 'r4']);
    const report = await readJsonlArchiveWithReport(dir);
    expect(report.tornRegions).toEqual([
      { file: join(dir, 'part-a.jsonl.gz'), offset: good1.length, bytesSkipped: torn.length },
    ]);
  });

  it('reads a file whose last member is torn, up to the tear', async () => {
    const good = member([record(0)]);
    const torn = member([record(1)]).subarray(0, 12);
    await writeFile(join(dir, 'part-a.jsonl.gz'), Buffer.concat([good, torn]));
    await writeFile(join(dir, 'part-b.jsonl.gz'), member([record(2)]));
    const report = await readJsonlArchiveWithReport(dir);
    expect(ids(report.records)).toEqual(['r0', 'r2']);
    expect(report.tornRegions).toEqual([
      { file: join(dir, 'part-a.jsonl.gz'), offset: good.length, bytesSkipped: torn.length },
    ]);
  });

  it('skips garbage between members and a member whose checksum is wrong', async () => {
    const good = member([record(0)]);
    const bad = Buffer.from(member([record(1)]));
    bad[bad.length - 6] = (bad[bad.length - 6] ?? 0) ^ 0xff; // CRC32 of the trailer
    const garbage = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x42, 0x42]); // a header, then nothing
    const tail = member([record(2)]);
    await writeFile(join(dir, 'p.jsonl.gz'), Buffer.concat([good, bad, garbage, tail]));
    const report = await readJsonlArchiveWithReport(dir);
    expect(ids(report.records)).toEqual(['r0', 'r2']);
    expect(report.tornRegions).toEqual([
      {
        file: join(dir, 'p.jsonl.gz'),
        offset: good.length,
        bytesSkipped: bad.length + garbage.length,
      },
    ]);
  });

  it('reports an empty file (the sink opened it, then the process died) instead of throwing', async () => {
    await writeFile(join(dir, 'part-a.jsonl.gz'), member([record(0)]));
    await writeFile(join(dir, 'part-b.jsonl.gz'), Buffer.alloc(0));
    await writeFile(join(dir, 'part-c.jsonl.gz'), member([record(1)]));
    expect(ids(await readJsonlArchive(dir))).toEqual(['r0', 'r1']);
    const report = await readJsonlArchiveWithReport(dir);
    expect(report.emptyFiles).toEqual([join(dir, 'part-b.jsonl.gz')]);
    expect(report.files).toHaveLength(3);
    expect(report.tornRegions).toEqual([]);
  });

  it('returns each id once, the last written copy winning, in first-written order', async () => {
    await writeFile(join(dir, 'part-a.jsonl.gz'), member([record(0, 1), record(1, 1)]));
    await writeFile(join(dir, 'part-b.jsonl.gz'), member([record(1, 2), record(2, 2)]));
    await writeFile(join(dir, 'part-c.jsonl.gz'), member([record(0, 3)]));
    const report = await readJsonlArchiveWithReport(dir);
    expect(report.records.map((r) => [r.id, r.archivedAt])).toEqual([
      ['r0', 3],
      ['r1', 2],
      ['r2', 2],
    ]);
    expect(report.duplicatesDropped).toBe(2);
  });

  it('a batch redelivered to a new sink instance (a restart) reads back once', async () => {
    const batch = [record(0), record(1)];
    const first = new RollingGzipJsonlSink({ directory: dir, sync: false });
    await first.write(batch);
    await first.close();
    const second = new RollingGzipJsonlSink({ directory: dir, sync: false });
    await second.write(batch);
    await second.close();
    expect(ids(await readJsonlArchive(dir))).toEqual(['r0', 'r1']);
  });

  it('streams file by file, without deduplication', async () => {
    await writeFile(join(dir, 'part-a.jsonl.gz'), member([record(0)]));
    await writeFile(join(dir, 'part-b.jsonl.gz'), Buffer.alloc(0));
    await writeFile(join(dir, 'part-c.jsonl.gz'), member([record(0), record(1)]));
    const seen: Array<[string, string[], boolean]> = [];
    for await (const f of readJsonlArchiveFiles(dir))
      seen.push([f.file.slice(dir.length + 1), ids(f.records), f.empty]);
    expect(seen).toEqual([
      ['part-a.jsonl.gz', ['r0'], false],
      ['part-b.jsonl.gz', [], true],
      ['part-c.jsonl.gz', ['r0', 'r1'], false],
    ]);
  });

  it('never throws for any tear or bit flip, and keeps every member it does not touch', async () => {
    const batches = [0, 1, 2, 3].map((b) => [record(b * 2), record(b * 2 + 1)]);
    const members = batches.map(member);
    const whole = Buffer.concat(members);
    const starts = members.map((_, i) => members.slice(0, i).reduce((n, m) => n + m.length, 0));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: whole.length - 1 }),
        fc.integer({ min: 1, max: whole.length }),
        fc.boolean(),
        async (at, len, flip) => {
          // Either a bit flip at `at`, or `len` bytes cut out at `at` (a tear, then more appends).
          const damaged = flip
            ? Buffer.from(whole).fill((whole[at] ?? 0) ^ 0x01, at, at + 1)
            : Buffer.concat([
                whole.subarray(0, at),
                whole.subarray(Math.min(whole.length, at + len)),
              ]);
          const end = flip ? at + 1 : at + len;
          await writeFile(join(dir, 'p.jsonl.gz'), damaged);
          const got = new Set(ids(await readJsonlArchive(dir)));
          members.forEach((m, i) => {
            const untouched = (starts[i] ?? 0) + m.length <= at || (starts[i] ?? 0) >= end;
            if (untouched) for (const r of batches[i] ?? []) expect(got.has(r.id)).toBe(true);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
