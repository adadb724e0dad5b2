import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DEFAULT_MODELS_DIR } from '../../examples/iris/src/iris-models.js';
import { ensureModels } from '../../examples/iris/src/train.js';
import {
  type IrisProcess,
  startIrisProcess,
} from '../../examples/iris/test/support/iris-processes.js';
import { freePort } from '../../packages/test-kit/src/services/free-port.js';
import { childCost, sumCost } from './child-cost.js';
import type { CostReading } from './process-cost.mjs';

const probe = fileURLToPath(new URL('./cost-probe.mjs', import.meta.url));

/** The iris service split over processes, as `iris up` runs it. */
export interface IrisSplit {
  /** The front end's address. */
  readonly url: string;
  /** The roles, by name: `frontend`, `dt`, `lr`, `decoy`, `archiver`. */
  readonly processes: ReadonlyMap<string, IrisProcess>;
  /** The CPU and allocations of every process of the system so far, summed. */
  cost(): Promise<CostReading>;
  /** Stops every process (front end first) and removes the archive folder. */
  stop(): Promise<void>;
}

const ROLES: readonly (readonly [string, readonly string[]])[] = [
  ['decoy', ['decoy']],
  ['archiver', ['archiver']],
  ['dt', ['worker', '--model', 'dt']],
  ['lr', ['worker', '--model', 'lr']],
];

/**
 * Starts the decoy, the archiver (scores and results) and the dt and lr workers, each as its
 * own `iris` process (the example's CLI) on `env`'s transport, then the front end, and waits
 * until it sees both models alive. Every process has `cost-probe.mjs` preloaded, so that
 * {@link IrisSplit.cost} can sum their CPU and allocations; with `BENCH_PROFILE_DIR` set, the
 * front end runs under `--cpu-prof` into that folder. The example's defaults otherwise
 * (heartbeat, deadline, worker concurrency), logs at `warn`.
 *
 * @example
 * ```ts
 * const split = await startIrisSplit({ RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: url });
 * await split.stop();
 * ```
 */
export async function startIrisSplit(env: Readonly<Record<string, string>>): Promise<IrisSplit> {
  await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
  const archiveDir = await mkdtemp(join(tmpdir(), 'bench-iris-split-'));
  const common = {
    ...env,
    ARCHIVE_DIR: archiveDir,
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${probe}`.trim(),
  };
  const processes = new Map<string, IrisProcess>();
  const stop = async (): Promise<void> => {
    for (const group of [['frontend'], ['dt', 'lr'], ['decoy', 'archiver']])
      await Promise.all(
        group.map(async (role) => {
          const p = processes.get(role);
          if (!p) return;
          const timer = setTimeout(() => void p.stop('SIGKILL'), 20_000);
          await p.stop('SIGTERM');
          clearTimeout(timer);
        }),
      );
    await rm(archiveDir, { recursive: true, force: true });
  };
  try {
    for (const [role, args] of ROLES) processes.set(role, startIrisProcess(args, common, 120_000));
    await Promise.all([...processes.values()].map((p) => p.ready));
    // `bench/run.ts` profiling this scenario: the front end is the process to profile.
    const profileDir = process.env.BENCH_PROFILE_DIR;
    const frontend = startIrisProcess(
      ['frontend'],
      profileDir
        ? {
            ...common,
            NODE_OPTIONS: `${common.NODE_OPTIONS} --cpu-prof --cpu-prof-dir=${profileDir}`,
          }
        : common,
      120_000,
    );
    processes.set('frontend', frontend);
    const { url } = await frontend.ready;
    if (!url) throw new Error('the front end did not report its URL');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const live = await fetch(`${url}/models`)
        .then((r) => r.json() as Promise<{ live: unknown[] }>)
        .then((b) => b.live.length)
        .catch(() => 0);
      if (live >= 2) break;
      if (Date.now() > deadline) throw new Error('the front end did not see both models in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      url,
      processes,
      cost: async () =>
        sumCost(await Promise.all([...processes.values()].map((p) => childCost(p.child)))),
      stop,
    };
  } catch (error) {
    const logs = [...processes.entries()]
      .map(([n, p]) => `--- ${n}:\n${p.output().slice(-2000)}`)
      .join('\n');
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await rm(archiveDir, { recursive: true, force: true });
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}
