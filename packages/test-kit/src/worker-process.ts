import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A worker started from a command line (`sh -c <cmd>`), in a process group of its own so that a
 * kill reaches the whole tree (a shell and the interpreter it runs).
 *
 * @example
 * ```ts
 * const worker = startWorkerProcess('python3 worker.py', { RENDEZVOUS_TRANSPORT: 'redis' });
 * await worker.kill('SIGTERM');
 * console.log(worker.exitCode, worker.output());
 * ```
 */
export interface WorkerProcess {
  readonly pid: number | undefined;
  /** The exit code, `null` while running (or when killed by a signal). */
  readonly exitCode: number | null;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** The last 8 kB of its stdout and stderr. */
  output(): string;
  /** Resolves when it exits, or after `timeoutMs` with false. */
  waitForExit(timeoutMs: number): Promise<boolean>;
  /** Sends `signal` to its process group; resolves when it exited (or after `timeoutMs`). */
  kill(signal?: NodeJS.Signals, timeoutMs?: number): Promise<boolean>;
}

/**
 * Starts `cmd` with `sh -c`, with `env` added to this process's environment.
 *
 * @example
 * ```ts
 * const worker = startWorkerProcess('python3 -u echo_worker.py', { RENDEZVOUS_MODEL_NAME: 'echo' });
 * ```
 */
export function startWorkerProcess(
  cmd: string,
  env: Readonly<Record<string, string>>,
  cwd?: string,
): WorkerProcess {
  // `exec` makes a simple command the process itself, so its exit code and signals are its own.
  const simple = !/[;&|()<>`\n]/.test(cmd) && !/^\s*[A-Za-z_][A-Za-z0-9_]*=/.test(cmd);
  const child: ChildProcess = spawn('sh', ['-c', simple ? `exec ${cmd}` : cmd], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      resolve();
    });
    child.once('error', (e) => {
      text += `\ncannot start '${cmd}': ${e.message}`;
      done = true;
      resolve();
    });
  });
  const waitForExit = async (timeoutMs: number): Promise<boolean> => {
    if (done) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const result = await Promise.race([exit.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  };
  return {
    get pid() {
      return child.pid;
    },
    get exitCode() {
      return child.exitCode;
    },
    get exited() {
      return done;
    },
    output: () => text,
    waitForExit,
    kill: async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
      if (done || child.pid === undefined) return true;
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
      return waitForExit(timeoutMs);
    },
  };
}
