import { rm } from 'node:fs/promises';
import { type ArchiveRecord, Decoy, ModelWorker } from '@rendezvous-ml/core';
import { replay, replayStreams } from '@rendezvous-ml/replay';
import { requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFigures } from './expected-figures.js';
import { buildProductionArchive, dt1, dt2, type ProductionArchive } from './production-archive.js';

const gate = await requireService('redis-server', () => startRedisServer({ appendonly: false }));
const server = gate.ok ? gate.service : undefined;

let archive: ProductionArchive | undefined;
beforeAll(async () => {
  if (gate.ok) archive = await buildProductionArchive(1000);
});
afterAll(async () => {
  if (archive) await rm(archive.dir, { recursive: true, force: true });
  await server?.dispose();
});

describe.skipIf(!gate.ok)('replay over Redis, with the new version started elsewhere', () => {
  it('replays 1,000 archived requests through dt@2 on the replay streams and reports what the archive implies', async () => {
    const a = archive!;
    const connect = () => new RedisTransport({ url: server!.url, keyPrefix: 'replay-it:' });
    const [workerSide, productionSide, replaySide] = [connect(), connect(), connect()];
    // The challenger, as another process would run it: on the replay namespace.
    const challenger = new ModelWorker({
      transport: workerSide,
      model: { name: 'dt', version: '2' },
      predict: dt2,
      streams: replayStreams('replay'),
      concurrency: 16,
    });
    // Production keeps running on the default streams: it must see none of the replay.
    let productionPredictions = 0;
    const production = new ModelWorker({
      transport: productionSide,
      model: { name: 'dt', version: '1' },
      predict: (x) => {
        productionPredictions++;
        return dt1(x);
      },
    });
    const replayInputs: ArchiveRecord[] = [];
    const replayDecoy = new Decoy({
      transport: workerSide,
      streams: replayStreams('replay'),
      sinks: [{ write: async (rs) => void replayInputs.push(...rs), close: async () => {} }],
      flushIntervalMs: 50,
    });
    await Promise.all([challenger.start(), production.start(), replayDecoy.start()]);
    const progress: number[] = [];
    const report = await replay({
      transport: replaySide,
      archive: a.decoy,
      scores: a.scores,
      results: a.results,
      expect: ['dt@2'],
      deadlineMs: 5000,
      maxInFlight: 100,
      onProgress: (p) => progress.push(p.replayed),
    });
    await replayDecoy.drain();
    await Promise.all([challenger.stop(), production.stop(), replayDecoy.stop()]);
    await Promise.all([workerSide.close(), productionSide.close(), replaySide.close()]);

    const expected = await expectedFigures(a, dt2, 'dt@1');
    expect(report.accounting).toMatchObject({
      selected: 1000,
      replayed: 1000,
      resumed: 0,
      failed: 0,
    });
    const m = report.models['dt@2']!;
    expect([m.ok, m.errors, m.missing]).toEqual([1000, 0, 0]);
    expect(m.agreement['dt@1']).toMatchObject(expected.agreement['dt@1']!);
    expect(m.agreement['lr@0']).toMatchObject(expected.agreement['lr@0']!);
    expect(m.agreementWithChosen).toMatchObject(expected.chosen);
    expect(m.confusion!.counts.flat().reduce((s, n) => s + n, 0)).toBe(expected.productionCompared);
    expect(progress.at(-1)).toBe(1000);
    expect(productionPredictions).toBe(0);
    const replayed = replayInputs.flatMap((r) =>
      r.kind === 'request' ? [r.request.meta.replayOf] : [],
    );
    expect(new Set(replayed)).toEqual(new Set(expected.inputs.keys()));
    expect(replayed).toHaveLength(1000);
  });
});
