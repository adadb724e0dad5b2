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
  /** The member's consumer group, as a failure to read its topics names it. */
  readonly groupId: string;
  /** Where a failure to read the topics is reported. */
  log(message: string, error: unknown): void;
  /** Rejoins with the longer list, keeping what is held. */
  rejoin(): Promise<void>;
}

/**
 * A group member's topic list: what it joins with (`toJoin`, kept as `joined`), re-read every
 * `refreshMs` (and on `check()`), with a rejoin when the list grew: the reply tap reading a new
 * return address's topic.
 *
 * @example
 * ```ts
 * const watch = new TopicListWatch({ topics, refreshMs: 2000, halted, groupId, log, rejoin });
 * const topics = await watch.toJoin(() => scheduleRestart());
 * watch.start();
 * watch.stop();
 * ```
 */
export class TopicListWatch {
  private timer: NodeJS.Timeout | undefined;
  private list: readonly string[] = [];

  constructor(private readonly options: TopicListWatchOptions) {}

  /** The topic list the member last joined with (`toJoin`). */
  get joined(): readonly string[] {
    return this.list;
  }

  /**
   * The first step of (re)starting the member's consumer: reads its topics and keeps them as
   * `joined`. `undefined` when there is nothing to join: the member halted, the list is empty
   * (a tap waits for a first reply topic, found by the refresh), or it cannot be read (the
   * broker is not up yet), which is logged before `failed` is called to schedule a retry.
   */
  async toJoin(failed: () => void): Promise<readonly string[] | undefined> {
    if (this.options.halted()) return undefined;
    let topics: readonly string[];
    try {
      topics = await this.options.topics();
    } catch (error) {
      this.options.log(`cannot prepare group ${this.options.groupId}`, error);
      failed();
      return undefined;
    }
    if (this.options.halted()) return undefined;
    this.list = topics;
    return topics.length === 0 ? undefined : topics;
  }

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
    const known = new Set(this.list);
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
