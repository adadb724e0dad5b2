/** What a {@link TopicListWatch} reads and whom it tells. */
export interface TopicListWatchOptions {
  /** The topics the member should read now (the reply tap: every reply topic there is). */
  topics(): Promise<readonly string[]>;
  /** How often to re-read them; never when undefined. */
  refreshMs?: number | undefined;
  /** Whether the member stopped: no more checks. */
  halted(): boolean;
  /** Whether to skip a check that finds the member busy (a restart under way). */
  busy?(): boolean;
  /** The topic list the member joined with. */
  joined(): readonly string[];
  /** Rejoins with the longer list, keeping what is held. */
  rejoin(): Promise<void>;
}

/**
 * Re-reads a group member's topic list every `refreshMs` (and on `check()`), and has the
 * member rejoin when the list grew: the reply tap reading a new return address's topic.
 *
 * @example
 * ```ts
 * const watch = new TopicListWatch({ topics, refreshMs: 2000, halted, joined, rejoin });
 * watch.start();
 * watch.stop();
 * ```
 */
export class TopicListWatch {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TopicListWatchOptions) {}

  /** Starts the periodic re-reading, if `refreshMs` is set. */
  start(): void {
    if (this.options.refreshMs !== undefined) this.schedule();
  }

  /** Stops the periodic re-reading. */
  stop(): void {
    clearTimeout(this.timer);
  }

  /** Re-reads the list now; rejoins if it names a topic the member did not join with. */
  async check(): Promise<void> {
    let topics: readonly string[];
    try {
      topics = await this.options.topics();
    } catch {
      return;
    }
    if (this.options.halted() || this.options.busy?.()) return;
    const known = new Set(this.options.joined());
    if (topics.some((t) => !known.has(t))) await this.options.rejoin();
  }

  private schedule(): void {
    if (this.options.halted()) return;
    this.timer = setTimeout(async () => {
      await this.check();
      this.schedule();
    }, this.options.refreshMs);
  }
}
