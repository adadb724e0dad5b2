import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Archiver,
  Decoy,
  type Json,
  latestVersion,
  ModelWorker,
  Rendezvous,
  RollingGzipJsonlSink,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';

/** The production models of the fixture, as plain functions of the input `{ x }`. */
export const LABELS = ['setosa', 'versicolor', 'virginica'] as const;
const xOf = (input: Json): number => (input as { x: number }).x;
/** dt@1: the production model (latestVersion prefers it over lr@0). */
export const dt1 = (input: Json): string => LABELS[xOf(input) % 3] as string;
/** lr@0: the baseline; fails on x ≡ 7 (mod 50), so it has archived error scores. */
export const lr0 = (input: Json): string => {
  const x = xOf(input);
  if (x % 50 === 7) throw new Error('lr cannot score this input');
  return LABELS[(x % 5) % 3] as string;
};
/** dt@2: the challenger; it departs from dt@1 on every x ≡ 0 (mod 10). */
export const dt2 = (input: Json): string => {
  const x = xOf(input);
  return LABELS[(x % 10 === 0 ? x + 1 : x) % 3] as string;
};

/** Folders of an archive produced by the real pipeline. */
export interface ProductionArchive {
  readonly dir: string;
  readonly decoy: string;
  readonly scores: string;
  readonly results: string;
  readonly count: number;
}

/**
 * Runs production for real on memory: a Rendezvous front end (latestVersion, publishResults), two
 * ModelWorkers (dt@1, lr@0), a Decoy, and score and results Archivers writing RollingGzipJsonlSink
 * folders; sends `count` requests `{ x: i }` and shuts everything down in order, so every
 * archive is complete. Returns the folders.
 */
export async function buildProductionArchive(count: number): Promise<ProductionArchive> {
  const dir = await mkdtemp(join(tmpdir(), 'rendezvous-replay-'));
  const broker = new MemoryBroker();
  const transport = new MemoryTransport({ broker });
  const sink = (name: string) =>
    new RollingGzipJsonlSink({ directory: join(dir, name), maxRecords: 400, sync: false });
  const decoy = new Decoy({
    transport,
    sinks: [sink('decoy')],
    batchSize: 200,
    flushIntervalMs: 50,
  });
  const scores = new Archiver({
    transport,
    source: 'scores',
    sinks: [sink('scores')],
    flushIntervalMs: 50,
  });
  const results = new Archiver({
    transport,
    source: 'results',
    sinks: [sink('results')],
    flushIntervalMs: 50,
  });
  const workers = [
    new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict: dt1 }),
    new ModelWorker({ transport, model: { name: 'lr', version: '0' }, predict: lr0 }),
  ];
  await Promise.all([
    decoy.start(),
    scores.start(),
    results.start(),
    ...workers.map((w) => w.start()),
  ]);
  const frontEnd = new Rendezvous({
    transport,
    policy: latestVersion(),
    publishResults: true,
    discoveryMs: 20,
    deadlineMs: 5000,
  });
  await frontEnd.start();
  let closed = 0;
  const allClosed = new Promise<void>((resolve) =>
    frontEnd.results$.subscribe(() => {
      if (++closed === count) resolve();
    }),
  );
  for (let start = 0; start < count; start += 100) {
    const batch: Promise<unknown>[] = [];
    for (let x = start; x < Math.min(count, start + 100); x++) batch.push(frontEnd.request({ x }));
    await Promise.all(batch);
  }
  await allClosed;
  await frontEnd.close();
  await Promise.all(workers.map((w) => w.stop()));
  for (const a of [decoy, scores, results]) await a.drain();
  await Promise.all([decoy.stop(), scores.stop(), results.stop()]);
  await transport.close();
  return {
    dir,
    decoy: join(dir, 'decoy'),
    scores: join(dir, 'scores'),
    results: join(dir, 'results'),
    count,
  };
}
