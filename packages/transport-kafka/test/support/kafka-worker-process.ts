import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KafkaWorkerConfig } from '../fixtures/kafka-worker.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/kafka-worker.ts', import.meta.url));
/** The root tsconfig maps every `@rendezvous-ml/*` package to its sources, as vitest does. */
const TSCONFIG = fileURLToPath(new URL('../../../../tsconfig.json', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A `fixtures/kafka-worker.ts` process started by a test. */
export interface KafkaWorkerProcess {
  readonly child: ChildProcess;
  /** Resolves once the worker has started (its `ready` IPC message). */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited, whichever way. */
  readonly exited: Promise<void>;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGKILLs the process (a crash: no leave, no commit) and resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * Starts a model worker in a child process, run from source with tsx: `fixture` (default
 * fixtures/kafka-worker.ts, the kafkajs transport; another Kafka client's tests pass their own).
 */
export function startKafkaWorkerProcess(
  config: KafkaWorkerConfig,
  readyTimeoutMs = 60_000,
  fixture = FIXTURE,
): KafkaWorkerProcess {
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
      reject(new Error(`the worker process was not ready in ${readyTimeoutMs} ms:\n${output}`));
    }, readyTimeoutMs);
    child.on('message', (m: { type?: string }) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the worker process exited before it was ready:\n${output}`));
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
