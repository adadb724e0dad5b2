import { type Clock, systemClock, type Timer } from '@rendezvous-ml/core';
import type { ReplayProgress } from './replay-options.js';

/** The CLI's side of {@link cliProgress}. */
export interface CliProgress {
  /** Give it every progress report of the replay (`progressEvery: 1`). */
  readonly onProgress: (p: ReplayProgress) => void;
  /** No more lines (the replay ended). */
  stop(): void;
}

function line(p: ReplayProgress): string {
  const of = p.finished ? `${p.selected}` : `${p.selected}+`;
  return `replay: ${p.replayed + p.resumed}/${of} requests (${p.resumed} resumed, ${p.failed} failed, ${p.inFlight} in flight), ${p.ratePerSecond.toFixed(1)}/s, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * The replay CLI's progress on stderr, by time rather than by count: the first report, then at
 * most one line per `everyMs`, and the last report; when nothing settles for `everyMs` (models
 * still being found, a slow model), a "still running" line with the last figures.
 *
 * @example
 * ```ts
 * const progress = cliProgress((s) => process.stderr.write(s));
 * await replay({ ...options, progressEvery: 1, onProgress: progress.onProgress });
 * progress.stop();
 * ```
 */
export function cliProgress(
  write: (text: string) => void,
  clock: Clock = systemClock,
  everyMs = 2_000,
): CliProgress {
  const startedAt = clock.now();
  let printedAt: number | undefined;
  let last: ReplayProgress | undefined;
  let printed: ReplayProgress | undefined;
  let timer: Timer | undefined;
  let stopped = false;
  const print = (text: string, p?: ReplayProgress): void => {
    printedAt = clock.now();
    printed = p;
    write(`${text}\n`);
  };
  const tick = (): void => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      if (printedAt === undefined || clock.now() - printedAt >= everyMs) {
        const running = `${((clock.now() - startedAt) / 1000).toFixed(1)} s`;
        if (!last)
          print(
            `replay: no request settled yet (${running}: reading the archive, waiting for the models)`,
          );
        else if (last !== printed) print(line(last), last);
        else print(`${line(last)} (still running: ${running})`, last);
      }
      tick();
    }, everyMs);
  };
  tick();
  return {
    onProgress: (p) => {
      if (stopped) return;
      last = p;
      if (p.finished) {
        print(line(p), p);
        stop();
      } else if (printedAt === undefined || clock.now() - printedAt >= everyMs) print(line(p), p);
    },
    stop,
  };
  function stop(): void {
    stopped = true;
    timer?.cancel();
  }
}
