import { type Clock, systemClock, type Timer } from '@rendezvous-ml/core';
import { formatSeconds } from './format-seconds.js';
import { ThreadTicker } from './thread-ticker.js';

export { formatSeconds } from './format-seconds.js';

/** Options of {@link RunProgress}. */
export interface RunProgressOptions {
  /** What runs, at the start of every line: `bench`, `chaos`. */
  readonly label: string;
  /** How many scenarios the run has. */
  readonly total: number;
  /** Where the lines go. Default: stderr (stdout carries the results). */
  readonly write?: (line: string) => void;
  /**
   * The clock of the times and of the "still running" lines (a `VirtualClock` in tests).
   * Without one, the lines come from a worker thread on the system clock, on time even while a
   * scenario keeps the main thread busy.
   */
  readonly clock?: Clock;
  /** A "still running" line after this long without one. Default 5 s. */
  readonly everyMs?: number;
}

/**
 * Progress of a long run of scenarios (a benchmark or chaos run), on stderr: which scenario of
 * how many starts, a line every `everyMs` (5 s) while one runs (so a long scenario never looks hung),
 * how each ended, and a summary with the counts by status and the total time.
 *
 * @example
 * ```ts
 * const progress = new RunProgress({ label: 'bench', total: 2 });
 * progress.start('memory');
 * progress.end('memory', 'ran');
 * progress.summary(); // "bench: 1 of 2 scenarios in 3.1 s: 1 ran"
 * ```
 */
export class RunProgress {
  private readonly write: (line: string) => void;
  private readonly clock: Clock;
  private readonly everyMs: number;
  private readonly startedAt: number;
  private readonly statuses: string[] = [];
  private current: { name: string; index: number; at: number; timer?: Timer } | undefined;
  private index = 0;
  private readonly thread: ThreadTicker | undefined;

  constructor(private readonly options: RunProgressOptions) {
    this.write = options.write ?? ((line) => void process.stderr.write(`${line}\n`));
    this.clock = options.clock ?? systemClock;
    this.thread = options.clock ? undefined : new ThreadTicker();
    this.everyMs = options.everyMs ?? 5_000;
    this.startedAt = this.clock.now();
  }

  /** Time since the run started. */
  elapsedMs(): number {
    return this.clock.now() - this.startedAt;
  }

  /** One line, with the run's label and the scenario that runs (if any). */
  log(message: string): void {
    const c = this.current;
    this.write(
      c
        ? `${this.options.label} ${c.index}/${this.options.total} ${c.name}: ${message}`
        : `${this.options.label}: ${message}`,
    );
  }

  /** Scenario `name` starts: the next of `total`. */
  start(name: string): void {
    this.stopTimer();
    this.index++;
    this.current = { name, index: this.index, at: this.clock.now() };
    this.write(
      `\n▶ ${this.options.label} ${this.index}/${this.options.total}: ${name} (${formatSeconds(this.elapsedMs())} into the run)`,
    );
    this.schedule();
  }

  /** The current scenario ended with `status` (`ran`, `met`, `skipped`...), and why. */
  end(name: string, status: string, detail = ''): void {
    const c = this.current;
    const took = c ? this.clock.now() - c.at : 0;
    this.stopTimer();
    this.current = undefined;
    this.statuses.push(status);
    this.write(
      `  ${this.options.label} ${c?.index ?? this.index}/${this.options.total} ${name}: ${status}${detail ? `: ${detail}` : ''} (${formatSeconds(took)})`,
    );
  }

  /** The last line: how many scenarios ended, by status, and the total time. */
  summary(): string {
    this.stopTimer();
    const counts = new Map<string, number>();
    for (const s of this.statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    const by = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
    const line = `${this.options.label}: ${this.statuses.length} of ${this.options.total} scenarios in ${formatSeconds(this.elapsedMs())}${by ? `: ${by}` : ''}`;
    this.write(line);
    void this.thread?.close();
    return line;
  }

  private schedule(): void {
    const c = this.current;
    if (!c) return;
    const prefix = `  … ${this.options.label} ${c.index}/${this.options.total} ${c.name} still running`;
    if (this.thread) {
      this.thread.show({
        prefix,
        scenarioAt: c.at,
        runAt: this.startedAt,
        everyMs: this.everyMs,
      });
      return;
    }
    c.timer = this.clock.setTimeout(() => {
      if (this.current !== c) return;
      this.write(
        `${prefix}: ${formatSeconds(this.clock.now() - c.at)} (run ${formatSeconds(this.elapsedMs())})`,
      );
      this.schedule();
    }, this.everyMs);
  }

  private stopTimer(): void {
    this.current?.timer?.cancel();
    this.thread?.show(undefined);
  }
}
