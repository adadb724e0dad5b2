import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EXAMPLE_INPUT, type IrisInput } from '../../examples/iris/src/iris-input.js';
import { DEFAULT_MODELS_DIR } from '../../examples/iris/src/iris-models.js';
import { ensureChallengers, ensureModels } from '../../examples/iris/src/train.js';
import {
  type IrisProcess,
  startIrisProcess,
} from '../../examples/iris/test/support/iris-processes.js';
import { freePort } from '../../packages/test-kit/src/services/free-port.js';
import type { Outcome } from './settlement-tracker.js';
import { sleep, within } from './steady-load.js';

/** The roles of `iris up`, each its own process. */
export type IrisRole = 'decoy' | 'archiver' | 'dt' | 'lr' | 'frontend';

const ARGS: Readonly<Record<IrisRole, readonly string[]>> = {
  decoy: ['decoy'],
  archiver: ['archiver'],
  dt: ['worker', '--model', 'dt'],
  lr: ['worker', '--model', 'lr'],
  frontend: ['frontend'],
};

/** A multi-process iris deployment (as `iris up` runs it) that a scenario can break. */
export interface IrisDeployment {
  /** The first front end's address. */
  readonly url: string;
  /** Every front end's address (`frontEnds` of them). */
  readonly urls: readonly string[];
  readonly archiveDir: string;
  readonly deadlineMs: number;
  /**
   * POSTs one `/predict` (to front end `i % frontEnds`, `input` or the example flower) and says
   * how it ended (`id` is the `messageId`).
   */
  call(i: number, input?: IrisInput): Promise<Outcome>;
  /** SIGKILLs a role's process. */
  kill(role: IrisRole): Promise<void>;
  /** Starts a role's process again; resolves when it is ready. */
  start(role: IrisRole): Promise<void>;
  /** Stops every process in order (front end, workers, archiving), SIGTERM, each bounded. */
  stop(): Promise<string[]>;
  /** The last lines each process printed. */
  logs(): string;
  /** The process ids of every role still running (for CPU accounting). */
  pids(): number[];
}

/** What else a deployment runs. */
export interface IrisDeploymentOptions {
  readonly deadlineMs?: number;
  /** Front-end processes, each on its own port. Default 1. */
  readonly frontEnds?: number;
  /** Extra worker processes, one per model version (`dt@2`, `bad@1`), started with the others. */
  readonly workers?: readonly string[];
}

/**
 * Starts the decoy, the archiver and the workers (dt, lr and `workers`, in parallel), then the
 * front end(s), each as an `iris` process on the transport `env` selects, and waits until every
 * front end sees every model alive.
 *
 * @example
 * ```ts
 * const d = await startIrisDeployment({ RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: url });
 * await d.kill('dt');
 * ```
 */
export async function startIrisDeployment(
  env: Readonly<Record<string, string>>,
  { deadlineMs = 1000, frontEnds = 1, workers = [] }: IrisDeploymentOptions = {},
): Promise<IrisDeployment> {
  await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
  if (workers.length > 0) await ensureChallengers(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
  const archiveDir = await mkdtemp(join(tmpdir(), 'chaos-iris-'));
  const ports = [await freePort()];
  while (ports.length < frontEnds) ports.push(await freePort());
  const common = {
    ...env,
    ARCHIVE_DIR: archiveDir,
    PORT: String(ports[0]),
    HEARTBEAT_MS: '300',
    DEADLINE_MS: String(deadlineMs),
    LOG_LEVEL: 'warn',
  };
  // Extra roles: `worker:dt@2` for an extra worker, `frontend:1` for the second front end.
  const processes = new Map<string, IrisProcess>();
  const launch = async (role: string, args: readonly string[], port = ports[0]): Promise<void> => {
    const p = startIrisProcess(args, { ...common, PORT: String(port) }, 120_000);
    processes.set(role, p);
    await p.ready;
  };
  const start = (role: IrisRole): Promise<void> => launch(role, ARGS[role]);
  const extraWorkers = workers.map((m) => `worker:${m}`);
  const extraFrontEnds = ports.slice(1).map((_, i) => `frontend:${i + 1}`);
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const url = urls[0]!;
  const stopAll = async (): Promise<string[]> => {
    const late: string[] = [];
    for (const group of [
      ['frontend', ...extraFrontEnds],
      ['dt', 'lr', ...extraWorkers],
      ['decoy', 'archiver'],
    ])
      await Promise.all(
        group.map(async (role) => {
          const p = processes.get(role);
          if (!p) return;
          const code = await within(25_000, `${role} stop`, p.stop('SIGTERM')).catch(async () => {
            late.push(`${role} did not stop in 25 s`);
            return p.stop('SIGKILL');
          });
          if (code !== 0 && code !== null) late.push(`${role} exited with ${code}`);
        }),
      );
    return late;
  };
  try {
    await Promise.all([
      ...(['decoy', 'archiver', 'dt', 'lr'] as const).map(start),
      ...workers.map((m, i) => launch(extraWorkers[i]!, ['worker', '--model', m])),
    ]);
    await Promise.all([
      start('frontend'),
      ...extraFrontEnds.map((role, i) => launch(role, ARGS.frontend, ports[i + 1])),
    ]);
    const t0 = Date.now();
    for (const u of urls)
      for (;;) {
        const live = await fetch(`${u}/models`)
          .then((r) => r.json() as Promise<{ live: unknown[] }>)
          .then((b) => b.live.length)
          .catch(() => 0);
        if (live >= 2 + workers.length) break;
        if (Date.now() - t0 > 30_000)
          throw new Error(
            `the front end ${u} did not see all ${2 + workers.length} models in 30 s`,
          );
        await sleep(100);
      }
  } catch (error) {
    for (const p of processes.values()) await p.stop('SIGKILL');
    throw error;
  }
  const body = JSON.stringify(EXAMPLE_INPUT);
  return {
    url,
    urls,
    archiveDir,
    deadlineMs,
    async call(i, input) {
      try {
        const res = await fetch(`${urls[i % urls.length]}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: input ? JSON.stringify(input) : body,
          signal: AbortSignal.timeout(deadlineMs + 3000),
        });
        const b = (await res.json()) as {
          messageId?: string;
          modelResult?: { modelName: string; modelVersion: number | string };
          error?: { code: string };
        };
        if (res.status === 200 && b.modelResult)
          return {
            ok: true,
            id: b.messageId,
            model: b.modelResult.modelName,
            version: String(b.modelResult.modelVersion),
          };
        return { ok: false, id: b.messageId, code: b.error?.code ?? `HTTP_${res.status}` };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        return { ok: false, code: cause ?? (error as Error).name };
      }
    },
    async kill(role) {
      await processes.get(role)?.stop('SIGKILL');
    },
    start,
    stop: stopAll,
    logs: () =>
      [...processes.entries()].map(([r, p]) => `--- ${r}:\n${p.output().slice(-2000)}`).join('\n'),
    pids: () =>
      [...processes.values()].flatMap((p) =>
        p.child.exitCode === null && p.child.pid !== undefined ? [p.child.pid] : [],
      ),
  };
}
