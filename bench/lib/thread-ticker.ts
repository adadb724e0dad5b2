import { Worker } from 'node:worker_threads';
import { formatSeconds } from './format-seconds.js';

/** What the ticker says while a scenario runs. */
export interface TickerState {
  /** Printed before the times: `  … bench 3/9 kafka still running`. */
  readonly prefix: string;
  /** `Date.now()` when the scenario started, and when the run started. */
  readonly scenarioAt: number;
  readonly runAt: number;
  readonly everyMs: number;
}

// The thread has its own event loop and writes straight to fd 2: a scenario that keeps the main
// thread busy for seconds (a closed loop on the memory transport is one long chain of promise
// callbacks, which starves timers) still gets its "still running" lines on time.
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const formatSeconds = ${formatSeconds.toString()};
let timer;
parentPort.on('message', (state) => {
  clearInterval(timer);
  if (!state) return;
  timer = setInterval(() => {
    const now = Date.now();
    try {
      writeSync(2, state.prefix + ': ' + formatSeconds(now - state.scenarioAt) + ' (run ' + formatSeconds(now - state.runAt) + ')\\n');
    } catch {}
  }, state.everyMs);
});
`;

/**
 * A "still running" line on stderr every `everyMs` while a scenario runs, from a worker thread,
 * so that a busy main thread cannot hold it back. The thread never keeps the process alive.
 *
 * @example
 * ```ts
 * const ticker = new ThreadTicker();
 * ticker.show({ prefix: '  … bench 1/2 memory still running', scenarioAt: Date.now(), runAt, everyMs: 10_000 });
 * ticker.show(undefined); // the scenario ended
 * ```
 */
export class ThreadTicker {
  private worker: Worker | undefined;

  /** Starts (or replaces) the ticking with `state`; `undefined` stops it. */
  show(state: TickerState | undefined): void {
    if (!this.worker) {
      if (!state) return;
      // Plain JavaScript, evaluated: no loader (tsx) is needed in the thread.
      this.worker = new Worker(SOURCE, { eval: true, execArgv: [], stderr: false });
      this.worker.unref();
    }
    this.worker.postMessage(state ?? null);
  }

  /** Ends the thread. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
