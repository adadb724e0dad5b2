import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveRecord,
  type ArchiverEvent,
  type DeadLetterRecord,
  Decoy,
  RejectedRecordsError,
  RollingGzipJsonlSink,
  readJsonlArchive,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsed, requestMessage } from './archiver-fixtures.js';
import { tapStream } from './harness.js';

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'rendezvous-sink-poison-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DEPTH = 100_000;
/** An input JSON.parse reads (iteratively) and JSON.stringify cannot write (it recurses). */
const deepJson = (): string => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

const record = (id: string, input: unknown = { id }): ArchiveRecord =>
  ({
    kind: 'request',
    id,
    requestId: id,
    archivedAt: 0,
    request: { v: 1, id, ts: 0, deadline: 1, replyTo: 'x', input, meta: {} },
  }) as ArchiveRecord;

describe('RollingGzipJsonlSink: a record that cannot be encoded', () => {
  it('is refused for good, by id, and the batch is not written', async () => {
    const sink = new RollingGzipJsonlSink({ directory: dir, sync: false });
    const batch = [record('a'), record('deep', JSON.parse(deepJson())), record('b')];
    const error = await sink.write(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedRecordsError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as RejectedRecordsError).rejected.map((r) => r.id)).toEqual(['deep']);
    expect((error as RejectedRecordsError).rejected[0]!.reason).toMatch(/cannot be encoded/);
    expect(sink.files).toEqual([]); // all or nothing: the archiver writes the rest again
    await sink.write([record('a'), record('b')]);
    await sink.close();
    expect((await readJsonlArchive(dir)).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('as the sink of a decoy: dead-lettered at the first flush, the rest of its batch archived without a hand-back', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker({ clock });
    const caller = new MemoryTransport({ broker });
    const dead = await tapStream(caller, 'dead-letter');
    const decoy = new Decoy({
      transport: new MemoryTransport({ broker }),
      sinks: [new RollingGzipJsonlSink({ directory: dir, sync: false, clock })],
      clock,
      batchSize: 100,
      flushIntervalMs: 100,
    });
    const events: ArchiverEvent[] = [];
    decoy.events$.subscribe((e) => events.push(e));
    await decoy.start();
    for (let i = 0; i < 4; i++) await caller.publish('requests', requestMessage(`r${i}`, 0));
    const poison = `{"v":1,"id":"poison","ts":0,"deadline":1000,"replyTo":"nowhere","meta":{},"input":${deepJson()}}`;
    await caller.publish('requests', { key: 'poison', payload: poison });
    for (let i = 4; i < 8; i++) await caller.publish('requests', requestMessage(`r${i}`, 0));
    await clock.advance(100);
    // The file I/O is real; virtual time stands still, so a hand-back (or a retried write)
    // would never settle: bound the wait in real time and let the assertions say what happened.
    await Promise.race([decoy.drain(), new Promise((r) => setTimeout(r, 3000))]);
    expect(events.filter((e) => e.type === 'write-failed')).toEqual([]);
    expect(decoy.stats()).toMatchObject({ archived: 8, deadLettered: 1, released: 0, pending: 0 });
    expect(parsed<DeadLetterRecord>(dead).map((l) => l.reason.code)).toEqual(['SINK_WRITE_FAILED']);
    await Promise.race([decoy.stop(), new Promise((r) => setTimeout(r, 3000))]);
    expect((await readJsonlArchive(dir)).map((r) => r.id).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `r${i}`),
    );
  });
});
