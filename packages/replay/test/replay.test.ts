import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArchiveRecord,
  ConfigurationError,
  Decoy,
  ModelWorker,
  readJsonlArchiveWithReport,
} from '@rendezvous-ml/core';
import { replay, replayStreams } from '@rendezvous-ml/replay';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFigures } from './expected-figures.js';
import { buildProductionArchive, dt1, dt2, type ProductionArchive } from './production-archive.js';

let archive: ProductionArchive;
beforeAll(async () => {
  archive = await buildProductionArchive(1000);
});
afterAll(async () => {
  if (archive) await rm(archive.dir, { recursive: true, force: true });
});

const collecting = (into: ArchiveRecord[]) => ({
  write: async (records: readonly ArchiveRecord[]) => void into.push(...records),
  close: async () => {},
});

describe('replay on memory, models in-process', () => {
  it('replays every archived request once through dt@2 and reports agreement computed from the archive', async () => {
    const broker = new MemoryBroker();
    const transport = new MemoryTransport({ broker });
    // Production, on the default streams of the same broker: it must see none of the replay.
    const productionSeen: unknown[] = [];
    const production = new ModelWorker({
      transport,
      model: { name: 'dt', version: '1' },
      predict: (x) => {
        productionSeen.push(x);
        return dt1(x);
      },
    });
    const productionInputs: ArchiveRecord[] = [];
    const productionDecoy = new Decoy({
      transport,
      sinks: [collecting(productionInputs)],
      flushIntervalMs: 10,
    });
    // The replay's own input archive, on its namespace.
    const replayInputs: ArchiveRecord[] = [];
    const replayDecoy = new Decoy({
      transport,
      sinks: [collecting(replayInputs)],
      streams: replayStreams(),
      group: 'replay-decoy',
      flushIntervalMs: 10,
    });
    await Promise.all([production.start(), productionDecoy.start(), replayDecoy.start()]);
    const output = join(archive.dir, 'replay-full');
    const report = await replay({
      transport,
      archive: archive.decoy,
      scores: archive.scores,
      results: archive.results,
      models: [{ name: 'dt', version: '2', predict: dt2 }],
      output,
      discoveryMs: 20,
    });
    await replayDecoy.stop();
    await productionDecoy.stop();
    await production.stop();

    const expected = await expectedFigures(archive, dt2, 'dt@1');
    expect(expected.inputs.size).toBe(1000);
    expect(report.accounting).toEqual({
      selected: 1000,
      replayed: 1000,
      resumed: 0,
      failed: 0,
      withoutArchivedAnswers: 0,
      withArchivedResult: 1000,
    });
    expect(report.production).toBe('dt@1');
    expect(report.archivedModels).toEqual(['dt@1', 'lr@0']);
    const m = report.models['dt@2']!;
    expect([m.ok, m.errors, m.missing]).toEqual([1000, 0, 0]);
    for (const key of ['dt@1', 'lr@0']) {
      expect(m.agreement[key]).toMatchObject(expected.agreement[key]!);
    }
    // lr@0 failed on 20 of 1000 inputs: those are not compared.
    expect(m.agreement['lr@0']!.compared).toBe(980);
    expect(m.agreement['dt@1']!.agreed).toBe(900); // dt@2 departs on x ≡ 0 (mod 10)
    expect(m.agreementWithChosen).toMatchObject(expected.chosen);
    const c = m.confusion!;
    const cells = c.counts.flat();
    expect(cells.reduce((a, b) => a + b, 0)).toBe(c.total);
    expect(c.total).toBe(expected.productionCompared);
    for (const [i, row] of c.labels.entries())
      for (const [j, col] of c.labels.entries())
        expect(c.counts[i]![j], `${row}→${col}`).toBe(expected.confusion.get(`${row}→${col}`) ?? 0);
    expect(m.latencyMs?.count).toBe(1000);
    expect(m.disagreements).toHaveLength(10);

    // Its own archive: each original id once, none twice.
    const written = await readJsonlArchiveWithReport(output);
    expect(written.duplicatesDropped).toBe(0);
    expect(new Set(written.records.map((r) => r.id))).toEqual(new Set(expected.inputs.keys()));
    // Namespaced streams: production saw nothing; each replayed request names its original.
    expect(productionSeen).toEqual([]);
    expect(productionInputs).toEqual([]);
    expect(replayInputs).toHaveLength(1000);
    for (const r of replayInputs) {
      if (r.kind !== 'request') throw new Error('not a request');
      expect(r.request.id).toBe(`replay:${r.request.meta.replayOf}`);
      expect(r.request.input).toEqual(expected.inputs.get(r.request.meta.replayOf!));
    }
    await transport.close();
  });

  it('resumes a stopped run: skips what is in the output, replays the rest, and counts each request once', async () => {
    const output = join(archive.dir, 'replay-resume');
    const run = (extra: { limit?: number; resume?: boolean }) =>
      replay({
        transport: new MemoryTransport(),
        archive: archive.decoy,
        scores: archive.scores,
        models: [{ name: 'dt', version: '2', predict: dt2 }],
        output,
        discoveryMs: 0,
        ...extra,
      });
    const partial = await run({ limit: 300 });
    expect(partial.accounting).toMatchObject({ selected: 300, replayed: 300, resumed: 0 });
    await expect(run({})).rejects.toBeInstanceOf(ConfigurationError);
    const full = await run({ resume: true });
    expect(full.accounting).toMatchObject({ selected: 1000, replayed: 1000, resumed: 300 });
    const expected = await expectedFigures(archive, dt2, 'dt@1');
    expect(full.models['dt@2']!.agreement['dt@1']).toMatchObject(expected.agreement['dt@1']!);
    const written = await readJsonlArchiveWithReport(output);
    expect(written.records).toHaveLength(1000);
    expect(written.duplicatesDropped).toBe(0);
  });

  it('refuses to start when an expected version has no live worker on the replay streams', async () => {
    const transport = new MemoryTransport();
    // A dt@3 on the production streams does not count.
    const elsewhere = new ModelWorker({
      transport,
      model: { name: 'dt', version: '3' },
      predict: dt2,
    });
    await elsewhere.start();
    await expect(
      replay({ transport, archive: archive.decoy, expect: ['dt@3'], discoveryMs: 20, limit: 5 }),
    ).rejects.toThrow(/no worker of dt@3 is live on "replay.heartbeats"/);
    await elsewhere.stop();
    await transport.close();
  });
});
