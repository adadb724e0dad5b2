/** What a {@link RestartTimer} rebuilds, when, and where it reports failures. */
export interface RestartTimerOptions {
  /** Delay before the rebuild. Default 200 ms. */
  readonly delayMs?: number | undefined;
  /** Whether the owner is stopping: no rebuild from then on. */
  readonly stopped: () => boolean;
  /** Where a failure is reported. */
  readonly log: (message: string, error?: unknown) => void;
  /** Rebuilds the consumer. */
  readonly restart: () => Promise<void>;
}

/**
 * The delayed rebuild of a consumer that failed (a topic reader's, either client's): once
 * however often it is asked for meanwhile, and never once its owner is stopping.
 *
 * @example
 * ```ts
 * const restarts = new RestartTimer({ stopped: () => stopping, log: console.warn, restart });
 * restarts.failed('reader of rendezvous.requests failed to start', error);
 * restarts.cancel();
 * ```
 */
export class RestartTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RestartTimerOptions) {}

  /** Rebuilds after the delay, unless a rebuild is pending already or the owner is stopping. */
  schedule(): void {
    if (this.options.stopped() || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.options.restart();
    }, this.options.delayMs ?? 200);
  }

  /** Reports a failure and schedules a rebuild; nothing once the owner is stopping. */
  failed(message: string, error: unknown): void {
    if (this.options.stopped()) return;
    this.options.log(message, error);
    this.schedule();
  }

  /** Cancels a pending rebuild. */
  cancel(): void {
    clearTimeout(this.timer);
  }
}
