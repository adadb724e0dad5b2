/** When a {@link RestartTimer} rebuilds, and where it reports failures (a reader's options). */
export interface RestartTimerOptions {
  /** Delay before the rebuild. Default 200 ms. */
  readonly restartDelayMs?: number | undefined;
  /** Where a failure is reported. */
  readonly log: (message: string, error?: unknown) => void;
}

/**
 * The delayed rebuild of a consumer that failed (a topic reader's, either client's): once
 * however often it is asked for meanwhile, and never once its owner is stopping.
 *
 * @example
 * ```ts
 * const restarts = new RestartTimer({ log: console.warn }, () => stopping, restart);
 * restarts.failed('reader of rendezvous.requests failed to start', error);
 * restarts.cancel();
 * ```
 */
export class RestartTimer {
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param options - the delay and where failures go.
   * @param stopped - whether the owner is stopping: no rebuild from then on.
   * @param restart - rebuilds the consumer.
   */
  constructor(
    private readonly options: RestartTimerOptions,
    private readonly stopped: () => boolean,
    private readonly restart: () => Promise<void>,
  ) {}

  /** Rebuilds after the delay, unless a rebuild is pending already or the owner is stopping. */
  schedule(): void {
    if (this.stopped() || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.restart();
    }, this.options.restartDelayMs ?? 200);
  }

  /** Reports a failure and schedules a rebuild; nothing once the owner is stopping. */
  failed(message: string, error: unknown): void {
    if (this.stopped()) return;
    this.options.log(message, error);
    this.schedule();
  }

  /** Cancels a pending rebuild. */
  cancel(): void {
    clearTimeout(this.timer);
  }
}
