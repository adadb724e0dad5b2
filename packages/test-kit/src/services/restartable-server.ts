import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpOnExit } from './clean-up-on-exit.js';

/** A server process owned by a test file, which it can kill and restart on the same folder. */
export interface RestartableServer {
  /** The server's data folder, kept across restarts. */
  readonly dir: string;
  /** Stops the server (SIGTERM by default, SIGKILL to simulate a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same arguments (same port, same folder). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

/** How to run one server, for {@link startRestartableServer}. */
export interface ServerSpec {
  /** The executable, e.g. `redis-server`. */
  readonly command: string;
  /** Its arguments, given the data folder. */
  readonly args: (dir: string) => readonly string[];
  /** Prefix of the temporary data folder. */
  readonly dirPrefix: string;
  /** True once the server serves; polled every 50 ms. */
  readonly ready: () => Promise<boolean>;
  /** How long `ready` may take to become true before the start fails. */
  readonly readyWithinMs: number;
  /** What the start failure says is not ready, e.g. `answer PING`. */
  readonly readyMeans: string;
}

/**
 * Spawns a server in a fresh temporary folder and waits until it is ready; the start fails
 * with the server's last output when it exits or is not ready in time, and then leaves no
 * process or folder behind. A server the test never disposes of is killed, and its folder
 * removed, when the test process ends (see `cleanUpOnExit`).
 *
 * @example
 * ```ts
 * const server = await startRestartableServer({
 *   command: 'redis-server', args: (dir) => ['--port', '7000', '--dir', dir],
 *   dirPrefix: 'rendezvous-redis-', ready: () => ping(7000), readyWithinMs: 15_000,
 *   readyMeans: 'answer PING',
 * });
 * await server.restart();
 * await server.dispose();
 * ```
 */
export async function startRestartableServer(spec: ServerSpec): Promise<RestartableServer> {
  const dir = await mkdtemp(join(tmpdir(), spec.dirPrefix));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc = spawn(spec.command, [...spec.args(dir)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    const keep = (c: Buffer): void => {
      output = (output + c.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      proc.once('error', (e) =>
        reject(new Error(`cannot run ${spec.command} (is it installed?): ${e.message}`)),
      );
      proc.once('spawn', () => resolve());
    });
    const deadline = Date.now() + spec.readyWithinMs;
    while (!(await spec.ready())) {
      if (proc.exitCode !== null)
        throw new Error(`${spec.command} exited with ${proc.exitCode}: ${output}`);
      if (Date.now() > deadline) {
        const seconds = spec.readyWithinMs / 1000;
        throw new Error(
          `${spec.command} did not ${spec.readyMeans} within ${seconds} s: ${output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };
  const forget = cleanUpOnExit(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const dispose = async (): Promise<void> => {
    forget();
    await stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    dir,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    dispose,
  };
}
