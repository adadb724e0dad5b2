import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rendezvous-ml/test-kit';
import { expect } from 'vitest';
import { get, poll } from './http.js';
import type { IrisDeployment } from './iris-end-to-end.js';
import { type IrisProcess, startIrisProcess } from './iris-processes.js';

/** A multi-process deployment: one process per role, as `iris up` runs them. */
export interface MultiProcessDeployment extends IrisDeployment {
  readonly processes: ReadonlyMap<string, IrisProcess>;
  /** Kills whatever is still running and removes the archive folder. */
  dispose(): Promise<void>;
}

/**
 * Starts the decoy, the score archiver and both workers (in parallel), then the front end, each
 * as its own `iris` process on the transport that `env` selects, and waits until the front end
 * sees both models alive.
 */
export async function startMultiProcessDeployment(
  env: Readonly<Record<string, string>>,
  { deadlineMs = 1000 } = {},
): Promise<MultiProcessDeployment> {
  const archiveDir = await mkdtemp(join(tmpdir(), 'iris-multi-'));
  const port = await freePort();
  const common = {
    ...env,
    ARCHIVE_DIR: archiveDir,
    PORT: String(port),
    HEARTBEAT_MS: '300',
    DEADLINE_MS: String(deadlineMs),
    LOG_LEVEL: 'warn',
  };
  const processes = new Map<string, IrisProcess>();
  const dispose = async (): Promise<void> => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await rm(archiveDir, { recursive: true, force: true });
  };
  try {
    for (const [name, args] of [
      ['decoy', ['decoy']],
      ['archiver', ['archiver']],
      ['dt', ['worker', '--model', 'dt']],
      ['lr', ['worker', '--model', 'lr']],
    ] as const)
      processes.set(name, startIrisProcess(args, common));
    await Promise.all([...processes.values()].map((p) => p.ready));
    const frontend = startIrisProcess(['frontend'], common);
    processes.set('frontend', frontend);
    const { url } = await frontend.ready;
    if (!url) throw new Error('the front end did not report its URL');
    await poll(
      async () => (await get<{ live: unknown[] }>(url, '/models')).body.live.length === 2,
      'the front end to see both models alive',
      30_000,
    );
    const stopInOrder = async (...names: string[]): Promise<void> => {
      const codes = await Promise.all(names.map((n) => processes.get(n)!.stop('SIGTERM')));
      expect(codes, names.join(', ')).toEqual(names.map(() => 0));
    };
    return {
      url,
      archiveDir,
      deadlineMs,
      processes,
      diagnostics: () =>
        [...processes.entries()]
          .map(([n, p]) => `--- ${n}:\n${p.output().slice(-4000)}`)
          .join('\n'),
      killDt: async () => {
        await processes.get('dt')!.stop('SIGKILL');
      },
      shutdown: async () => {
        await stopInOrder('frontend');
        await stopInOrder('lr');
        await stopInOrder('decoy', 'archiver');
      },
      dispose,
    };
  } catch (error) {
    const logs = [...processes.entries()]
      .map(([n, p]) => `--- ${n}:\n${p.output().slice(-3000)}`)
      .join('\n');
    await dispose();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}
