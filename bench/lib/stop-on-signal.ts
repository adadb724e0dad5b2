import { constants } from 'node:os';

/** What {@link stopOnSignal} needs from the process (a fake one in tests). */
export interface SignalTarget {
  on(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/** Options of {@link stopOnSignal}. */
export interface StopOnSignalOptions {
  /** Name of the run, for the lines it writes: `bench`, `chaos`. */
  readonly label: string;
  /**
   * Stops what the run started (after `signal` is aborted): the services, child processes.
   * Bounded by `stopMs`.
   */
  readonly stop: () => Promise<unknown>;
  /** Longest `stop` may take before the process exits anyway. Default 3 minutes. */
  readonly stopMs?: number;
  readonly write?: (line: string) => void;
  readonly target?: SignalTarget;
  /** Milliseconds, for telling a second Ctrl-C from the same one delivered twice. */
  readonly now?: () => number;
}

/**
 * One Ctrl-C can arrive twice: the terminal signals every process of the foreground group, and
 * npm forwards the signal it got to its script too. Signals this close to the first are that one.
 */
const SAME_SIGNAL_MS = 1000;

/** The run's side of {@link stopOnSignal}. */
export interface SignalStop {
  /** Aborted on the first SIGINT or SIGTERM: the run stops starting things and returns. */
  readonly signal: AbortSignal;
  /** Settles once `stop` ran (or timed out), just before the process exits. */
  readonly stopped: Promise<void>;
  /** No more signal handling (the run ended on its own). */
  dispose(): void;
}

/**
 * On the first SIGINT or SIGTERM: aborts `signal`, runs `stop` (bounded), then exits with
 * 128 + the signal's number (130, 143), writing no results. A second signal exits at once (one
 * within a second of the first is the same Ctrl-C, delivered by the terminal and by npm).
 * Install it before the run starts anything, so that a signal during a service's start still
 * stops that service.
 *
 * @example
 * ```ts
 * const stopping = stopOnSignal({ label: 'bench', stop: () => services.dispose() });
 * if (stopping.signal.aborted) return;
 * ```
 */
export function stopOnSignal(options: StopOnSignalOptions): SignalStop {
  const target: SignalTarget = options.target ?? process;
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  const code = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 15);
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (firstAt !== undefined) {
      if (now() - firstAt < SAME_SIGNAL_MS) return; // the same Ctrl-C, delivered twice
      write(
        `${options.label}: ${signal} again: exiting now, without stopping what is still running`,
      );
      target.exit(code(signal));
      return;
    }
    firstAt = now();
    write(
      `${options.label}: ${signal}: stopping the scenario, the services and the processes it started (${signal} again to exit at once); no results are written`,
    );
    controller.abort(new Error(`stopped by ${signal}`));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => {
      timer = setTimeout(() => {
        write(
          `${options.label}: stopping took longer than ${options.stopMs ?? 180_000} ms: exiting`,
        );
        r();
      }, options.stopMs ?? 180_000);
    });
    void Promise.race([
      options.stop().then(
        () => write(`${options.label}: stopped`),
        (error: unknown) => write(`${options.label}: stopping failed: ${String(error)}`),
      ),
      bound,
    ]).then(() => {
      clearTimeout(timer);
      resolveStopped();
      target.exit(code(signal));
    });
  };
  target.on('SIGINT', handler);
  target.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    stopped,
    dispose: () => {
      target.removeListener('SIGINT', handler);
      target.removeListener('SIGTERM', handler);
    },
  };
}

/**
 * Resolves with `work`, or rejects with the signal's reason once `signal` is aborted (the work
 * itself goes on until the process exits).
 *
 * @example
 * ```ts
 * const measurements = await unlessAborted(scenario(options), stopping.signal);
 * ```
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
