import { join } from 'node:path';
import {
  Archiver,
  type ArchiveSink,
  Decoy,
  type Json,
  latestVersion,
  ModelWorker,
  type PredictContext,
  Rendezvous,
  type RendezvousPolicy,
  RollingGzipJsonlSink,
  type Transport,
} from '@rendezvous-ml/core';
import { AcknowledgedIds } from './archive-sinks.js';
import { codeOf, type Outcome } from './settlement-tracker.js';
import { sleep, within } from './steady-load.js';

/** A model version served by one in-process worker. */
export interface SdkModel {
  readonly name: string;
  readonly version: string;
  readonly predict?: (input: Json, context: PredictContext) => Json | Promise<Json>;
  readonly concurrency?: number;
  /** Wraps the worker's connection (a fault injector). */
  readonly wrap?: (transport: Transport) => Transport;
}

/** Options of {@link startSdkSystem}. */
export interface SdkSystemOptions {
  /** Opens a new connection to the broker (each role gets its own, as processes would). */
  readonly connect: () => Transport;
  readonly models: readonly SdkModel[];
  readonly policy?: RendezvousPolicy;
  readonly deadlineMs: number;
  readonly maxInFlight?: number;
  /** Where the decoy (and the score archiver) write gzip JSONL. */
  readonly archiveDir: string;
  /** Replaces the decoy's file sink (it receives the file sink), e.g. to wrap it. */
  readonly decoySinks?: (fileSink: ArchiveSink) => ArchiveSink[];
  /** Also run a score archiver (reply tap) to `archiveDir/scores`. Default true. */
  readonly scoreArchiver?: boolean;
  readonly heartbeatMs?: number;
  /** The request input; default a small object with the index. */
  readonly input?: (i: number) => Json;
}

/** A front end, its workers, a decoy and a score archiver, in this process, on real brokers. */
export interface SdkSystem {
  readonly workers: readonly ModelWorker<Json, Json>[];
  /** Request ids the decoy / the score archiver acknowledged. */
  readonly acknowledged: { readonly decoy: Set<string>; readonly scores: Set<string> };
  readonly frontend: () => Rendezvous<Json, Json>;
  /** Sends request `i` through the current front end. */
  call(i: number): Promise<Outcome>;
  /** Closes the front end and starts a new one (new connection, new instance). */
  restartFrontend(downMs?: number): Promise<{ restartedAt: number }>;
  /** Graceful stop, each step bounded; returns the steps that did not finish in time. */
  stop(): Promise<string[]>;
}

const BOUND_MS = 15_000;

/**
 * Starts the system the scenarios put under load: every worker, the decoy and the score
 * archiver first (so their groups exist), then the front end, which is ready once it sees
 * every model alive.
 *
 * @example
 * ```ts
 * const system = await startSdkSystem({ connect, models: [{ name: 'm', version: '1' }], deadlineMs: 1000, archiveDir });
 * const outcome = await system.call(0);
 * ```
 */
export async function startSdkSystem(options: SdkSystemOptions): Promise<SdkSystem> {
  const connections: Transport[] = [];
  const open = (): Transport => {
    const t = options.connect();
    connections.push(t);
    return t;
  };
  const acknowledged = { decoy: new AcknowledgedIds(), scores: new AcknowledgedIds() };
  const fileSink = (stream: string): ArchiveSink =>
    new RollingGzipJsonlSink({ directory: join(options.archiveDir, stream), maxAgeMs: 2000 });
  const decoySinks = options.decoySinks?.(fileSink('decoy')) ?? [fileSink('decoy')];
  const decoy = new Decoy({
    transport: open(),
    sinks: [...decoySinks, acknowledged.decoy],
    flushIntervalMs: 200,
  });
  await decoy.start();
  const archivers: { stop(): Promise<void> }[] = [decoy];
  if (options.scoreArchiver !== false) {
    const scores = new Archiver({
      transport: open(),
      source: 'scores',
      sinks: [fileSink('scores'), acknowledged.scores],
      flushIntervalMs: 200,
    });
    await scores.start();
    archivers.push(scores);
  }
  const workers = options.models.map((m) => {
    const connection = open();
    return new ModelWorker<Json, Json>({
      transport: m.wrap ? m.wrap(connection) : connection,
      model: { name: m.name, version: m.version },
      predict: m.predict ?? (() => `${m.name}@${m.version}`),
      concurrency: m.concurrency ?? 16,
      heartbeatIntervalMs: options.heartbeatMs ?? 300,
    });
  });
  for (const w of workers) await w.start();
  const startFrontend = async (): Promise<Rendezvous<Json, Json>> => {
    const rendezvous = new Rendezvous<Json, Json>({
      transport: open(),
      policy: options.policy ?? latestVersion(),
      deadlineMs: options.deadlineMs,
      maxInFlight: options.maxInFlight ?? 10_000,
    });
    await rendezvous.start();
    return rendezvous;
  };
  let frontend = await startFrontend();
  const live = Date.now();
  while (frontend.registry.live().length < workers.length && Date.now() - live < BOUND_MS)
    await sleep(20);
  const input = options.input ?? ((i: number) => ({ i }));
  let seq = 0;
  const prefix = Math.random().toString(36).slice(2, 8);
  return {
    workers,
    acknowledged: { decoy: acknowledged.decoy.ids, scores: acknowledged.scores.ids },
    frontend: () => frontend,
    async call(i) {
      const id = `${prefix}-${i}-${++seq}`;
      try {
        const r = await frontend.request(input(i), { id });
        if (r.chosen)
          return { ok: true, id, model: `${r.chosen.model.name}@${r.chosen.model.version}` };
        return { ok: false, id, code: r.error?.code ?? 'NO_CHOSEN_SCORE' };
      } catch (error) {
        return { ok: false, id, code: codeOf(error) };
      }
    },
    async restartFrontend(downMs = 0) {
      const old = frontend;
      await within(BOUND_MS, 'front-end close', old.close()).catch(() => undefined);
      await sleep(downMs);
      frontend = await startFrontend();
      return { restartedAt: Date.now() };
    },
    async stop() {
      const late: string[] = [];
      const step = async (what: string, p: Promise<unknown>): Promise<void> => {
        await within(BOUND_MS, what, p).catch(() => late.push(what));
      };
      await step('front-end close', frontend.close());
      for (const w of workers) await step('worker stop', w.stop());
      for (const a of archivers) await step('archiver stop (flush)', a.stop());
      for (const t of connections) await step('connection close', t.close());
      return late;
    },
  };
}
