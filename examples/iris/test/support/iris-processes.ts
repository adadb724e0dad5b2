import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/iris.js', import.meta.url));

/** One `iris <role>` process started by a test. */
export interface IrisProcess {
  readonly args: readonly string[];
  readonly child: ChildProcess;
  /** The `ready` message the process sent over IPC. */
  readonly ready: Promise<{ url?: string }>;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node bin/iris.js <args>` (the example's CLI, straight from source through tsx) with
 * `env` on top of this process's environment.
 */
export function startIrisProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  readyTimeoutMs = 90_000,
): IrisProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ready = new Promise<{ url?: string }>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`iris ${args.join(' ')} not ready in ${readyTimeoutMs} ms:\n${output}`)),
      readyTimeoutMs,
    );
    child.on('message', (m: { type?: string; url?: string }) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`iris ${args.join(' ')} exited with ${code} before ready:\n${output}`));
    });
  });
  ready.catch(() => undefined);
  return {
    args,
    child,
    ready,
    output: () => output,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
