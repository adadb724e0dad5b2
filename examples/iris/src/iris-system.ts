import type { ModelWorker, Transport } from '@rendezvous-ml/core';
import type { Logger } from 'pino';
import { type ArchivingRole, drainAndStop } from './archiving.js';
import { startIrisArchiving } from './archiving-roles.js';
import type { IrisConfig } from './config.js';
import { type IrisFrontend, startIrisFrontend } from './frontend.js';
import type { IrisInput } from './iris-input.js';
import { loadIrisModelRef } from './iris-models.js';
import { IrisMetrics } from './metrics.js';
import { startIrisWorker } from './model-workers.js';
import { ensureChallengers, ensureModels } from './train.js';
import { transportFactory } from './transports.js';

/** Everything of the iris service in one process. */
export interface IrisSystem {
  readonly frontend: IrisFrontend;
  /** The model workers by reference: `dt`, `lr`, and each shadow model (`dt@2`). */
  readonly workers: ReadonlyMap<string, ModelWorker<IrisInput, number>>;
  readonly archiving: readonly ArchivingRole[];
  /** The connection of each role (each role has its own, as separate processes would). */
  readonly transports: ReadonlyMap<string, Transport>;
  /**
   * Simulates the crash of a model's worker: its connection is cut without a goodbye, so the
   * front end notices only when its heartbeats stop.
   */
  kill(model: string): Promise<void>;
  /**
   * Graceful shutdown: stops HTTP intake, drains the requests in flight (and publishes their
   * results), stops the workers, lets the decoy and the score and results archivers take in and
   * flush everything, closes the transports.
   */
  stop(): Promise<void>;
}

/**
 * Starts the decoy, the score and results archivers, the model workers (`dt`, `lr`, and a worker
 * for each model in `config.shadow`) and the front end, in that order
 * (so every consumer group exists before the first request), each on its own connection.
 * It trains the models first if they are missing. It does not listen: call
 * `system.frontend.listen()`.
 *
 * @example
 * ```ts
 * const system = await startIrisSystem(readConfig(), logger);
 * console.log(await system.frontend.listen());
 * process.once('SIGTERM', () => void system.stop());
 * ```
 */
export async function startIrisSystem(
  config: IrisConfig,
  logger: Logger,
  options: { readonly metrics?: IrisMetrics } = {},
): Promise<IrisSystem> {
  await ensureModels(config.modelsDir, logger);
  if (config.shadow.length > 0) await ensureChallengers(config.modelsDir, logger);
  const connect = transportFactory(config, logger);
  const metrics = options.metrics ?? new IrisMetrics();
  const transports = new Map<string, Transport>();
  const open = async (role: string): Promise<Transport> => {
    const t = await connect();
    transports.set(role, t);
    return t;
  };
  // The score and results archivers share one connection, as in the multi-process `archiver`.
  const archiverTransport = await open('archiver');
  const archiving = await startIrisArchiving(
    config,
    { decoy: await open('decoy'), archiver: archiverTransport },
    logger,
    { childLoggers: true },
  );
  for (const a of archiving) metrics.rendezvous.observeArchiver(a, a.name);

  const workers = new Map<string, ModelWorker<IrisInput, number>>();
  for (const name of ['dt', 'lr', ...config.shadow]) {
    const worker = await startIrisWorker(
      await open(`worker:${name}`),
      await loadIrisModelRef(config.modelsDir, name),
      {
        logger: logger.child({ component: 'worker' }),
        heartbeatMs: config.heartbeatMs,
        concurrency: config.workerConcurrency,
        instrumentation: metrics.rendezvous.instrumentation,
      },
    );
    workers.set(name, worker);
    metrics.rendezvous.observeWorker(worker);
  }

  const frontend = await startIrisFrontend(
    await open('frontend'),
    config,
    logger.child({ component: 'frontend' }),
    { metrics, archivers: archiving },
  );

  let stopping: Promise<void> | undefined;
  return {
    frontend,
    workers,
    archiving,
    transports,
    async kill(model) {
      await transports.get(`worker:${model}`)?.close();
    },
    stop() {
      stopping ??= (async () => {
        await frontend.close();
        await Promise.all([...workers.values()].map((w) => w.stop()));
        await Promise.all(archiving.map((a) => drainAndStop(a, logger)));
        await Promise.all([...transports.values()].map((t) => t.close()));
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
