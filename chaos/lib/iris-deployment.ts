import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EXAMPLE_INPUT } from '../../examples/iris/src/iris-input.js';
import { DEFAULT_MODELS_DIR } from '../../examples/iris/src/iris-models.js';
import { ensureModels } from '../../examples/iris/src/train.js';
import {
  type IrisProcess,
  startIrisProcess,
} from '../../examples/iris/test/support/iris-processes.js';
import { freePort } from '../../packages/transport-conformance/src/services/free-port.js';
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
  readonly url: string;
  readonly archiveDir: string;
  readonly deadlineMs: number;
  /** POSTs one `/predict` and says how it ended (`id` is the `messageId`). */
  call(i: number): Promise<Outcome>;
  /** SIGKILLs a role's process. */
  kill(role: IrisRole): Promise<void>;
  /** Starts a role's process again; resolves when it is ready. */
  start(role: IrisRole): Promise<void>;
  /** Stops every process in order (front end, workers, archiving), SIGTERM, each bounded. */
  stop(): Promise<string[]>;
  /** The last lines each process printed. */
  logs(): string;
}

/**
 * Starts the decoy, the archiver and both workers (in parallel), then the front end, each as
 * an `iris` process on the transport `env` selects, and waits until the front end sees both
 * models alive.
 *
 * @example
 * ```ts
 * const d = await startIrisDeployment({ RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: url });
 * await d.kill('dt');
 * ```
 */
export async function startIrisDeployment(
  env: Readonly<Record<string, string>>,
  { deadlineMs = 1000 } = {},
): Promise<IrisDeployment> {
  await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
  const archiveDir = await mkdtemp(join(tmpdir(), 'chaos-iris-'));
  const port = await freePort();
  const common = {
    ...env,
    ARCHIVE_DIR: archiveDir,
    PORT: String(port),
    HEARTBEAT_MS: '300',
    DEADLINE_MS: String(deadlineMs),
    LOG_LEVEL: 'warn',
  };
  const processes = new Map<IrisRole, IrisProcess>();
  const start = async (role: IrisRole): Promise<void> => {
    const p = startIrisProcess(ARGS[role], common, 120_000);
    processes.set(role, p);
    await p.ready;
  };
  const url = `http://127.0.0.1:${port}`;
  const stopAll = async (): Promise<string[]> => {
    const late: string[] = [];
    for (const group of [['frontend'], ['dt', 'lr'], ['decoy', 'archiver']] as IrisRole[][])
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
    await Promise.all((['decoy', 'archiver', 'dt', 'lr'] as const).map(start));
    await start('frontend');
    const t0 = Date.now();
    for (;;) {
      const live = await fetch(`${url}/models`)
        .then((r) => r.json() as Promise<{ live: unknown[] }>)
        .then((b) => b.live.length)
        .catch(() => 0);
      if (live >= 2) break;
      if (Date.now() - t0 > 30_000)
        throw new Error('the front end did not see both models in 30 s');
      await sleep(100);
    }
  } catch (error) {
    for (const p of processes.values()) await p.stop('SIGKILL');
    throw error;
  }
  const body = JSON.stringify(EXAMPLE_INPUT);
  return {
    url,
    archiveDir,
    deadlineMs,
    async call() {
      try {
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(deadlineMs + 3000),
        });
        const b = (await res.json()) as {
          messageId?: string;
          modelResult?: { modelName: string };
          error?: { code: string };
        };
        if (res.status === 200 && b.modelResult)
          return { ok: true, id: b.messageId, model: b.modelResult.modelName };
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
  };
}
