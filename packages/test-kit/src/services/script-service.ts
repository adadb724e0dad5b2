import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUpOnExit } from './clean-up-on-exit.js';

/** A service process run by one of the repository's `scripts/<name>/<name>.sh` scripts. */
export interface ScriptService {
  readonly port: number;
  /** The service's data and log folder. */
  readonly dir: string;
  /** Clean shutdown (SIGTERM, then SIGKILL after the script's timeout). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL now, to simulate a crash. */
  kill(): Promise<void>;
  /** Stops it if running, then starts it again on the same port and folder (its data survives). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

/** How to run one script-managed service. */
export interface ScriptServiceSpec {
  /** Path of the script, relative to the repository root, e.g. `scripts/kafka/kafka.sh`. */
  readonly script: string;
  /** The line `start` prints when ready; its first group is the port. */
  readonly readyLine: RegExp;
  /** Longest a `start` may take. */
  readonly startTimeoutMs: number;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * Runs a service with one of the repository's start/stop scripts: `fetch` (cached jars), then
 * `start --dir <temp> [--port]`, whose readiness check the script performs itself.
 */
export async function startScriptService(spec: ScriptServiceSpec): Promise<ScriptService> {
  const script = join(root, spec.script);
  const name = spec.script.split('/').pop();
  const run = (args: readonly string[], timeoutMs: number): Promise<string> =>
    new Promise((resolvePromise, reject) => {
      execFile(
        'bash',
        [script, ...args],
        { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 4 * 2 ** 20 },
        (error, stdout, stderr) => {
          if (error)
            reject(
              new Error(`${name} ${args[0]} failed: ${error.message}\n${stderr.slice(-3000)}`),
            );
          else resolvePromise(stdout);
        },
      );
    });
  await run(['fetch'], 300_000);
  const dir = await mkdtemp(join(tmpdir(), `rendezvous-${name?.replace(/\.sh$/, '')}-`));
  const start = async (port?: number): Promise<number> => {
    const args = ['start', '--dir', dir, ...(port === undefined ? [] : ['--port', String(port)])];
    const out = await run(args, spec.startTimeoutMs);
    const match = spec.readyLine.exec(out);
    if (!match) throw new Error(`${name} start printed no ready line (${spec.readyLine}): ${out}`);
    return Number(match[1]);
  };
  // A service the test never disposes of is killed when the test process ends.
  const forget = cleanUpOnExit(() => {
    execFileSync('bash', [script, 'kill', '--dir', dir], { stdio: 'ignore', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  let port: number;
  try {
    port = await start();
  } catch (error) {
    forget();
    await run(['kill', '--dir', dir], 30_000).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await run(['stop', '--dir', dir], 60_000);
  };
  return {
    port,
    dir,
    stop,
    kill: async () => {
      await run(['kill', '--dir', dir], 30_000);
    },
    restart: async () => {
      await stop();
      await start(port);
    },
    dispose: async () => {
      forget();
      await run(['kill', '--dir', dir], 30_000).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
