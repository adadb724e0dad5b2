import type { Clock } from './clock.js';

/** A window of repeated probes, as {@link probeWindow} opens it. */
export interface ProbeWindow {
  /** Resolves when the window ends: after its last step, or on {@link done}. */
  readonly ended: Promise<void>;
  /** Ends the window now (its timer cancelled); nothing once it has ended. */
  done(): void;
}

/**
 * A window of `probes` probes, the first already sent by the caller: `probe()` again every
 * `stepMs` on `clock` until `probes` were sent, and the window ends one step after the last.
 * A component re-probes because a `listen` subscription may become active only after its first
 * probe (a Redis SUBSCRIBE in flight), so the first answers can be lost. The window's timer
 * keeps the process alive; `onEnd` runs once, when it ends.
 *
 * @example
 * ```ts
 * this.probe();
 * const window = probeWindow(clock, 3, 1000 / 3, () => this.probe(), () => (this.window = undefined));
 * await window.ended;
 * ```
 */
export function probeWindow(
  clock: Clock,
  probes: number,
  stepMs: number,
  probe: () => void,
  onEnd: () => void,
): ProbeWindow {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  let sent = 1;
  let timer = clock.setTimeout(next, stepMs, { keepAlive: true });
  let open = true;
  function next(): void {
    if (sent >= probes) {
      done();
      return;
    }
    sent++;
    probe();
    timer = clock.setTimeout(next, stepMs, { keepAlive: true });
  }
  function done(): void {
    timer.cancel();
    if (!open) return;
    open = false;
    onEnd();
    end();
  }
  return { ended, done };
}
