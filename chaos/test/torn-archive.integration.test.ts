import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ArchiveRecord, RollingGzipJsonlSink } from '@rendezvous-ml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { compareArchive, readArchive } from '../lib/archive-check.js';

const record = (i: number): ArchiveRecord => ({
  kind: 'request',
  id: `r${i}`,
  requestId: `r${i}`,
  archivedAt: 0,
  request: { v: 1, id: `r${i}`, ts: 0, deadline: 1000, replyTo: 'x', input: { i }, meta: {} },
});

describe('an archive file torn by a crash mid-append', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads back every record of its complete members and is not unreadable', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chaos-torn-'));
    const sink = new RollingGzipJsonlSink({ directory: dir, maxRecords: 1000 });
    const acknowledged = Array.from({ length: 20 }, (_, i) => record(i));
    await sink.write(acknowledged.slice(0, 10));
    await sink.write(acknowledged.slice(10));
    await sink.close();
    const [file] = (await readdir(dir)).filter((n) => n.endsWith('.jsonl.gz'));
    // The process died half-way through appending a third batch (SIGKILL, a full disk).
    const member = gzipSync(`${[20, 21, 22].map((i) => JSON.stringify(record(i))).join('\n')}\n`);
    await appendFile(join(dir, file!), member.subarray(0, Math.floor(member.length / 2)));

    const check = compareArchive(
      'decoy',
      await readArchive(dir),
      new Set(acknowledged.map((r) => r.requestId)),
    );
    expect(check.unreadableFiles, 'unreadable files').toBe(0);
    expect(check.lost, 'acknowledged records lost').toBe(0);
    expect(check.readable).toBe(20);
  });
});
