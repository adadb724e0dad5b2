import {
  type ArchiveRecord,
  Archiver,
  type ArchiveSink,
  Decoy,
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousResult,
  VirtualClock,
} from '@rendezvous-ml/core';
import { Scorecard } from '@rendezvous-ml/scorecard';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import { RendezvousMetrics } from '../../src/index.js';

/** A sink that keeps what it is given, and can be made to fail. */
export class MemorySink implements ArchiveSink {
  readonly records: ArchiveRecord[] = [];
  failing = false;

  async write(records: readonly ArchiveRecord[]): Promise<void> {
    if (this.failing) throw new Error('sink down');
    this.records.push(...records);
  }

  async close(): Promise<void> {}
}

/**
 * A whole deployment in one process on the memory transport and virtual time, every component
 * observed by one `RendezvousMetrics`: a front end (first()), workers dt@1 and lr@0 (lr fails
 * on negative inputs), a decoy, a score archiver and a scorecard on the front end's results.
 */
export async function deployment() {
  const clock = new VirtualClock(1_700_000_000_000);
  const broker = new MemoryBroker({ clock });
  const transports: MemoryTransport[] = [];
  const transport = () => {
    const t = new MemoryTransport({ broker });
    transports.push(t);
    return t;
  };
  /** Runs virtual time, 10 ms at a time, until `promise` settles (a bounded number of steps). */
  const settle = async <T>(promise: Promise<T>): Promise<T> => {
    let done = false;
    const settled = promise.finally(() => {
      done = true;
    });
    for (let i = 0; i < 1000 && !done; i++) await clock.advance(10);
    return settled;
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const registry = new Registry();
  const metrics = new RendezvousMetrics({ registry, clock });
  const sink = new MemorySink();
  const decoy = new Decoy({ transport: transport(), sinks: [sink], clock, flushIntervalMs: 10 });
  const scores = new Archiver({
    transport: transport(),
    source: 'scores',
    sinks: [new MemorySink()],
    clock,
    flushIntervalMs: 10,
  });
  metrics.observeArchiver(decoy, 'decoy');
  metrics.observeArchiver(scores, 'scores');
  await decoy.start();
  await scores.start();
  const worker = (name: string, version: string, delayMs: number) => {
    const w = new ModelWorker<number, number>({
      transport: transport(),
      clock,
      model: { name, version },
      instrumentation: metrics.instrumentation,
      predict: async (x) => {
        if (x < 0 && name === 'lr') throw new Error('negative');
        await sleep(delayMs);
        return x * 2;
      },
    });
    metrics.observeWorker(w);
    return w;
  };
  const workers = [worker('dt', '1', 5), worker('lr', '0', 1)];
  for (const w of workers) await w.start();
  const rendezvous = new Rendezvous<number, number>({
    transport: transport(),
    clock,
    policy: first(),
    deadlineMs: 100,
    discoveryMs: 50,
    maxInFlight: 50,
  });
  metrics.observeFrontEnd(rendezvous);
  await settle(rendezvous.start());
  const scorecard = new Scorecard({
    // Number inputs and outputs are JSON, though TypeScript cannot see it through the generics.
    results$: rendezvous.results$ as unknown as Observable<RendezvousResult>,
    clock,
    snapshotIntervalMs: 0,
  });
  metrics.observeScorecard(scorecard);
  await scorecard.start();

  /** Sends `inputs` at once, lets virtual time run until each is settled, returns the outcomes. */
  const send = async (inputs: readonly number[]) => {
    const settled = inputs.map((x) =>
      rendezvous.request(x).then(
        (r) => r.status,
        (e: { code?: string }) => e.code ?? 'error',
      ),
    );
    return settle(Promise.all(settled));
  };
  const stop = async () => {
    await settle(rendezvous.stop());
    await scorecard.stop();
    for (const w of workers) await settle(w.stop());
    for (const a of [decoy, scores]) await settle(a.stop());
    for (const t of transports) await t.close();
  };
  return {
    clock,
    broker,
    transport,
    registry,
    metrics,
    sink,
    decoy,
    scores,
    workers,
    worker,
    rendezvous,
    scorecard,
    send,
    settle,
    stop,
  } as const;
}

export type Deployment = Awaited<ReturnType<typeof deployment>>;
