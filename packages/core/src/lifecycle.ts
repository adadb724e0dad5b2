import { NotStartedError } from './errors.js';

/**
 * Where a component is in its life: new → starting → running → stopping → stopped. A failed
 * start goes back to `new`; a stop from any state wins over a start in progress.
 */
export type LifecycleState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The one start/stop state machine of the core's components (`Rendezvous`, `ModelWorker`,
 * `Archiver`, `PolicyController`), so that they all behave alike:
 *
 * - `start()` while running resolves at once; while starting it returns the start in progress.
 * - A start that fails goes back to `new` and may be called again; nothing is left joined.
 * - `stop()` wins over a start in progress: the start resolves, the component never runs.
 * - `stop()` is idempotent (every call returns the same promise).
 * - A stopped component cannot start again: `start()` rejects with a `NotStartedError` that
 *   says to create a new one.
 *
 * Components are started and stopped; resources they use (a `Transport`, an `ArchiveSink`, a
 * `ReplyChannel`) are closed.
 *
 * @example
 * ```ts
 * class Poller {
 *   private readonly lifecycle = new Lifecycle('poller', 'Poller');
 *   start() {
 *     return this.lifecycle.start(async () => {
 *       await connect();
 *       if (!this.lifecycle.enterRunning()) return; // stop() won meanwhile
 *       subscribe();
 *     });
 *   }
 *   stop() {
 *     return this.lifecycle.stop(async (was) => { if (was === 'running') unsubscribe(); });
 *   }
 * }
 * ```
 */
export class Lifecycle {
  private current: LifecycleState = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  /**
   * @param component How errors name this instance, such as `worker dt@1`.
   * @param recreate What to create instead of restarting, such as `ModelWorker`.
   */
  constructor(
    private readonly component: string,
    private readonly recreate: string,
  ) {}

  get state(): LifecycleState {
    return this.current;
  }

  /** Running, and no stop requested. */
  get running(): boolean {
    return this.current === 'running';
  }

  /**
   * Starts with `join`, as described on the class. `join` calls {@link enterRunning} where the
   * component is live (before subscribing: a transport may deliver synchronously); when it
   * returns without doing so, the component is running once it resolves.
   */
  start(join: () => Promise<void>): Promise<void> {
    if (this.current === 'running') return Promise.resolve();
    if (this.current === 'starting' && this.starting) return this.starting;
    if (this.current !== 'new')
      return Promise.reject(
        new NotStartedError(
          `${this.component} was stopped and cannot start again: create a new ${this.recreate}`,
        ),
      );
    this.current = 'starting';
    const starting = this.run(join).finally(() => {
      if (this.starting === starting) this.starting = undefined;
    });
    this.starting = starting;
    return starting;
  }

  /**
   * From inside `join`: marks the component running. Returns `false` when a stop was requested
   * meanwhile; `join` then returns without going live.
   */
  enterRunning(): boolean {
    if (this.current !== 'starting') return false;
    this.current = 'running';
    return true;
  }

  /** Whether a stop was requested (from inside `join`, between its steps). */
  get stopRequested(): boolean {
    return this.current === 'stopping' || this.current === 'stopped';
  }

  /**
   * Stops with `shutdown`, told the state it was in (`new`, `starting` — whose start has then
   * settled — or `running`). When a start is in progress, `interrupt` is called first, at once,
   * to end its waits (a discovery window, a query window), so that the stop does not wait them
   * out. Every call returns the same promise; the state is `stopped` once it settles, even if
   * `shutdown` fails.
   */
  stop(
    shutdown: (was: 'new' | 'starting' | 'running') => Promise<void>,
    interrupt?: () => void,
  ): Promise<void> {
    this.stopping ??= this.halt(shutdown, interrupt);
    return this.stopping;
  }

  private async run(join: () => Promise<void>): Promise<void> {
    try {
      await join();
    } catch (error) {
      if (this.stopRequested) return; // the stop won: its outcome is the one that counts
      this.current = 'new'; // nothing is left joined: start() may be called again
      throw error;
    }
    if (this.current === 'starting') this.current = 'running';
  }

  private async halt(
    shutdown: (was: 'new' | 'starting' | 'running') => Promise<void>,
    interrupt: (() => void) | undefined,
  ): Promise<void> {
    const was = this.current as 'new' | 'starting' | 'running';
    this.current = 'stopping';
    if (was === 'starting') {
      interrupt?.();
      await this.starting?.catch(() => undefined);
    }
    try {
      await shutdown(was);
    } finally {
      this.current = 'stopped';
    }
  }
}
