import type { Clock, Timer } from './clock.js';

/**
 * A pause of the archiver's writes after a failed batch: `done` resolves when it is over, when
 * its time is up or when `end()` is called (a flush, a stop). Internal: not exported by the
 * package.
 */
export class WritePause {
  readonly done: Promise<void>;
  private over = false;
  private finish: () => void = () => undefined;
  private readonly timer: Timer;

  constructor(clock: Clock, ms: number) {
    this.done = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
    this.timer = clock.setTimeout(() => this.end(), ms);
  }

  /** Whether writes wait for it. */
  get active(): boolean {
    return !this.over;
  }

  end(): void {
    this.over = true;
    this.timer.cancel();
    this.finish();
  }
}
