import { type ArchiveRecord, type ArchiveSink, SinkWriteError } from '@rendezvous-ml/core';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * How to reach the archive sink under test, for {@link sinkConformance}.
 */
export interface SinkConformanceTarget {
  /**
   * A new sink on the same storage each time it is called, as after a restart. The suite
   * closes every sink it creates. Tests use ids of their own, so the storage may be shared.
   */
  create(): ArchiveSink | Promise<ArchiveSink>;
  /** What the storage holds now, as its reader returns it (e.g. after a refresh). */
  readBack(): Promise<readonly ArchiveRecord[]>;
  /**
   * Makes the storage fail (a full disk, a read-only index) until `heal`. Without it, the
   * failed-write test is skipped.
   */
  readonly fault?: {
    inject(): void | Promise<void>;
    heal(): void | Promise<void>;
  };
}

let counter = 0;

/** Records whose ids no other test uses. */
function batchOf(prefix: string, size: number): ArchiveRecord[] {
  return Array.from({ length: size }, (_, i) => {
    const id = `${prefix}-${i}`;
    return {
      kind: 'request',
      id,
      requestId: id,
      archivedAt: Date.now(),
      request: { v: 1, id, ts: 0, deadline: 1, replyTo: 'x', input: { i }, meta: {} },
    };
  });
}

/**
 * The archive sink conformance suite: what the archiver relies on from every {@link ArchiveSink}.
 * Every acknowledged record reads back; a redelivered batch (same instance, or a new one after
 * a restart) reads back once per id; `close` is idempotent; a write after `close` rejects with
 * a non-retryable `SinkWriteError`; a write that fails under a fault rejects with a retryable
 * one, and once the fault heals everything acknowledged (and retried) reads back.
 *
 * @example
 * ```ts
 * sinkConformance('RollingGzipJsonlSink', {
 *   create: () => new RollingGzipJsonlSink({ directory }),
 *   readBack: () => readJsonlArchive(directory),
 * });
 * ```
 */
export function sinkConformance(name: string, target: SinkConformanceTarget): void {
  describe(`sink conformance: ${name}`, () => {
    const sinks: ArchiveSink[] = [];
    const create = async (): Promise<ArchiveSink> => {
      const sink = await target.create();
      sinks.push(sink);
      return sink;
    };
    const unique = () => `c${Date.now().toString(36)}-${++counter}`;
    /** How many times each id of `batch` reads back. */
    const copies = async (records: readonly ArchiveRecord[]): Promise<Record<string, number>> => {
      const wanted = new Set(records.map((r) => r.id));
      const counts: Record<string, number> = {};
      for (const r of await target.readBack())
        if (wanted.has(r.id)) counts[r.id] = (counts[r.id] ?? 0) + 1;
      return counts;
    };
    const once = (records: readonly ArchiveRecord[]) =>
      Object.fromEntries(records.map((r) => [r.id, 1]));

    afterEach(async () => {
      await target.fault?.heal();
      await Promise.all(sinks.splice(0).map((s) => s.close().catch(() => undefined)));
    });

    it('every acknowledged record reads back', async () => {
      const sink = await create();
      const batches = [batchOf(unique(), 1), batchOf(unique(), 7), batchOf(unique(), 3)];
      for (const batch of batches) await sink.write(batch);
      await sink.close();
      expect(await copies(batches.flat())).toEqual(once(batches.flat()));
    });

    it('a batch written twice reads back once per id', async () => {
      const sink = await create();
      const batch = batchOf(unique(), 4);
      await sink.write(batch);
      await sink.write(batch);
      await sink.write([...batch].reverse());
      await sink.close();
      expect(await copies(batch)).toEqual(once(batch));
    });

    it('a batch redelivered to a new sink (a restart) reads back once per id', async () => {
      const batch = batchOf(unique(), 4);
      const before = await create();
      await before.write(batch);
      await before.close();
      const after = await create();
      await after.write(batch);
      await after.close();
      expect(await copies(batch)).toEqual(once(batch));
    });

    it('close is idempotent', async () => {
      const sink = await create();
      await sink.write(batchOf(unique(), 1));
      await sink.close();
      await expect(sink.close()).resolves.toBeUndefined();
    });

    it('a write after close rejects with a non-retryable SinkWriteError', async () => {
      const sink = await create();
      await sink.close();
      const refused = await sink.write(batchOf(unique(), 1)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SinkWriteError);
      expect(refused).toMatchObject({ retryable: false });
    });

    it.skipIf(!target.fault)(
      'a write failed by a fault rejects as retryable; once healed, everything acknowledged and retried reads back',
      async () => {
        const sink = await create();
        const before = batchOf(unique(), 3);
        const during = batchOf(unique(), 3);
        const after = batchOf(unique(), 3);
        await sink.write(before);
        await target.fault?.inject();
        const refused = await sink.write(during).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(SinkWriteError);
        expect(refused).toMatchObject({ retryable: true });
        await target.fault?.heal();
        await sink.write(during); // the archiver's retry
        await sink.write(after);
        await sink.close();
        const all = [...before, ...during, ...after];
        expect(await copies(all)).toEqual(once(all));
      },
    );
  });
}
