import { type Clock, systemClock, type Timer } from '../clock.js';

/**
 * The wait of a read loop: it sleeps until woken (an ack freed a credit, the loop stops) or,
 * when given a delay, until that much time passed on the clock. One waiter at a time: a new
 * {@link pause} replaces the old (which then never resolves, so a loop must not pause twice).
 *
 * @example
 * ```ts
 * const idle = new WakeablePause(clock);
 * await idle.pause(backoffDelayMs(failures)); // or until idle.wake(), called by an ack
 * ```
 */
export class WakeablePause {
  private wakeUp: (() => void) | undefined;
  private timer: Timer | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Waits until {@link wake} is called or `ms` pass (if given). */
  pause(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (ms !== undefined) this.timer = this.clock.setTimeout(() => this.wake(), ms);
    });
  }

  /** Ends the current pause now (harmless when nothing waits). */
  wake(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }
}
