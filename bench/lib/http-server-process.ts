import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childCost } from './child-cost.js';
import type { CostReading } from './process-cost.mjs';

const serverEntry = fileURLToPath(new URL('./http-server.ts', import.meta.url));

/** A server of `http-server.ts`, running in a child process. */
export interface HttpServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The server process's CPU and allocations so far. */
  cost(): Promise<CostReading>;
  /** Stops the server and returns its peak RSS, MB. */
  stop(): Promise<number>;
}

/**
 * Starts `http-server.ts <kind>` in a child process (tsx) and resolves once it listens. When
 * `bench/run.ts` profiles the `http` scenario (`BENCH_PROFILE_DIR`), the iris server runs under
 * `--cpu-prof`: the time is spent there.
 *
 * @example
 * ```ts
 * const server = await startHttpServer('direct');
 * const rssMb = await server.stop();
 * ```
 */
export function startHttpServer(kind: 'iris' | 'hello' | 'direct'): Promise<HttpServerProcess> {
  const profileDir = kind === 'iris' ? process.env.BENCH_PROFILE_DIR : undefined;
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = fork(serverEntry, [kind], {
    execArgv: [...prof, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${kind} server did not start within 60 s`));
    }, 60_000);
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
    const onReady = (m: { url?: string }) => {
      if (m?.url === undefined) return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolve({
        url: m.url,
        child,
        cost: () => childCost(child),
        stop: () =>
          new Promise<number>((done) => {
            let rss = Number.NaN;
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.removeAllListeners('exit');
            child.on('message', (r: { peakRssMb?: number }) => {
              if (r?.peakRssMb !== undefined) rss = r.peakRssMb;
            });
            child.once('exit', () => {
              clearTimeout(kill);
              done(rss);
            });
            child.send('stop');
          }),
      });
    };
    child.on('message', onReady);
  });
}
