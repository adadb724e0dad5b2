import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The root tsconfig maps every `@rendezvous-ml/*` package to its sources, as vitest does. */
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A TypeScript fixture process started by a test: see {@link startFixtureProcess}. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  /** Resolves once the fixture has sent its `ready` IPC message. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited, whichever way. */
  readonly exited: Promise<void>;
  /** The last 20 kB of its stdout and stderr (for failure messages). */
  output(): string;
  /** SIGKILLs the process (a crash: it cleans nothing up) and resolves once it is gone. */
  kill(): Promise<void>;
}

/** Options of {@link startFixtureProcess}. */
export interface FixtureProcessOptions {
  /** How long the fixture may take to send `ready`. Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** Sees every IPC message the fixture sends, `ready` included. */
  readonly onMessage?: (message: {
    readonly type?: string;
    readonly [key: string]: unknown;
  }) => void;
}

/**
 * Runs `fixture` (a TypeScript file) from source with tsx in a child process, its `config` as
 * JSON in its first argument, with an IPC channel on which it sends `{ type: 'ready' }` once it
 * has started. `ready` rejects, with the process's output, if it exits first or is not ready in
 * time.
 *
 * @example
 * ```ts
 * const worker = startFixtureProcess(fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url)), { url });
 * await worker.ready;
 * await worker.kill();
 * ```
 */
export function startFixtureProcess(
  fixture: string,
  config: unknown,
  options: FixtureProcessOptions = {},
): FixtureProcess {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const child = spawn(process.execPath, ['--import', TSX, fixture, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the fixture process was not ready in ${readyTimeoutMs} ms:\n${output}`));
    }, readyTimeoutMs);
    child.on('message', (m: { type?: string }) => {
      options.onMessage?.(m);
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the fixture process exited before it was ready:\n${output}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    output: () => output,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}
