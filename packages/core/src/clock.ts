/**
 * A scheduled callback that can be cancelled.
 *
 * @example
 * ```ts
 * const timer: Timer = clock.setTimeout(() => flush(), 1000);
 * timer.cancel();
 * ```
 */
export interface Timer {
  /** Cancels the callback; calling it twice is harmless. */
  cancel(): void;
}

/**
 * Options of {@link Clock.setTimeout}.
 *
 * @example
 * ```ts
 * clock.setTimeout(() => settle(), deadlineMs, { keepAlive: true });
 * ```
 */
export interface TimerOptions {
  /**
   * Keep the process alive until the timer fires or is cancelled. Default `false`: a pending
   * heartbeat or age-out timer never keeps a process alive by itself, but a request's deadline
   * must (a caller awaiting it would otherwise see the process exit before it settles).
   */
  readonly keepAlive?: boolean;
}

/**
 * The longest delay one Node timer can wait: 2³¹ − 1 ms (about 24.8 days). Node fires a longer
 * one after 1 ms; {@link systemClock} chains timers instead.
 *
 * @example
 * ```ts
 * const links = Math.ceil(delayMs / MAX_TIMER_DELAY_MS);
 * ```
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * The source of time for deadlines, policy wake-ups, heartbeats and batching.
 * Inject a {@link VirtualClock} in tests so that they run on virtual time.
 *
 * @example
 * ```ts
 * const clock: Clock = systemClock;
 * const t = clock.setTimeout(() => console.log('later'), 100);
 * t.cancel();
 * ```
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Runs `callback` once, `delayMs` from now. Any delay is honoured, however long. A clock may
   * ignore `options` (a virtual clock has no process to keep alive).
   */
  setTimeout(callback: () => void, delayMs: number, options?: TimerOptions): Timer;
}

/**
 * The real clock: `Date.now()` and Node timers. Timers are `unref`ed unless
 * `{ keepAlive: true }` is given, so a heartbeat never keeps a process alive by itself while an
 * in-flight request's deadline does. Delays longer than {@link MAX_TIMER_DELAY_MS} are chained,
 * never clamped (Node alone would fire them after 1 ms).
 *
 * @example
 * ```ts
 * new Rendezvous({ transport, policy, clock: systemClock });
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs, options) {
    const keepAlive = options?.keepAlive === true;
    let handle: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const arm = (remaining: number): void => {
      const link = Math.min(remaining, MAX_TIMER_DELAY_MS);
      handle = setTimeout(() => {
        if (cancelled) return;
        if (remaining > MAX_TIMER_DELAY_MS) arm(remaining - MAX_TIMER_DELAY_MS);
        else callback();
      }, link);
      if (!keepAlive) handle.unref?.();
    };
    // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN; a NaN delay must run at once
    arm(delayMs > 0 ? delayMs : 0);
    return {
      cancel: () => {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  },
};

interface VirtualTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance` runs due timers in time order and lets
 * promise callbacks settle between them, so code that mixes timers and promises behaves
 * as it would in real time, without sleeping.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock(0);
 * const answer = rendezvous.request(input); // deadline 1000 ms
 * await clock.advance(1000);
 * await expect(answer).rejects.toThrow(DeadlineExceededError);
 * ```
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers: VirtualTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number, _options?: TimerOptions): Timer {
    const timer: VirtualTimer = {
      at: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of timers that are scheduled and not cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      next.callback();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Lets pending promise callbacks run without moving time. */
  async tick(): Promise<void> {
    await settle();
  }

  private nextDue(limit: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    let bestIndex = -1;
    for (let i = 0; i < this.timers.length; i++) {
      const t = this.timers[i]!;
      if (t.cancelled || t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) {
        best = t;
        bestIndex = i;
      }
    }
    if (bestIndex >= 0) this.timers.splice(bestIndex, 1);
    for (let i = this.timers.length - 1; i >= 0; i--)
      if (this.timers[i]!.cancelled) this.timers.splice(i, 1);
    return best;
  }
}

function settle(): Promise<void> {
  // One macrotask turn: every queued microtask (and chains of them) runs before it.
  return new Promise((resolve) => setImmediate(resolve));
}
