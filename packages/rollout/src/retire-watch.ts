import type { Clock, RendezvousResult, Timer } from '@rendezvous-ml/core';
import { policyVersionOf } from './policy-version-of.js';
import type { RolloutControl } from './rollout-control.js';

/**
 * Options of {@link RetireWatch}.
 *
 * @example
 * ```ts
 * const o: RetireWatchOptions = { clock, control, model: 'dt@1', version: 6, resendEveryMs: 2000, timeoutMs: 30_000 };
 * ```
 */
export interface RetireWatchOptions {
  readonly clock: Clock;
  readonly control: RolloutControl;
  /** The version retired, `name@version`. */
  readonly model: string;
  /** The policy version of the stage without it: only its results are looked at. */
  readonly version: number;
  readonly resendEveryMs: number;
  readonly timeoutMs: number;
}

/**
 * How a retirement went: whether the version was seen gone, after how long, and how many
 * retire messages were sent.
 */
export interface RetireOutcome {
  readonly gone: boolean;
  readonly afterMs: number;
  readonly sent: number;
  /** Retire messages that could not be sent. */
  readonly failed: number;
}

/** Consecutive results without the retired version that show it gone. */
const CLEAN_RESULTS = 10;

/**
 * Retires a version and makes sure it went: a `retire` is a broadcast that a worker can miss
 * (one whose listener has only just started), so it is sent again every `resendEveryMs` until
 * the version is gone from the results decided under the stage's policy version — no longer a
 * candidate, not even pending, in 10 results in a row — or `timeoutMs` passes.
 *
 * @example
 * ```ts
 * const watch = new RetireWatch(options);
 * results$.subscribe((r) => watch.offer(r));
 * const { gone, afterMs } = await watch.run();
 * ```
 */
export class RetireWatch {
  private clean = 0;
  private sentAt: number | undefined;

  constructor(private readonly o: RetireWatchOptions) {}

  /** Looks at one decided result. */
  offer(result: RendezvousResult): void {
    if (this.sentAt === undefined || policyVersionOf(result) !== this.o.version) return;
    const there = [...result.candidates, ...result.late].some(
      (c) => `${c.model.name}@${c.model.version}` === this.o.model,
    );
    this.clean = there ? 0 : this.clean + 1;
  }

  /** Sends the retire, again until the version is gone or the time is up. */
  run(): Promise<RetireOutcome> {
    const { clock, control, model } = this.o;
    const at = model.lastIndexOf('@');
    const ref = { name: model.slice(0, at), version: model.slice(at + 1) };
    const startedAt = clock.now();
    let sent = 0;
    let failed = 0;
    let lastSent = Number.NEGATIVE_INFINITY;
    let timer: Timer | undefined;
    return new Promise<RetireOutcome>((resolve) => {
      const send = (): void => {
        lastSent = clock.now();
        sent++;
        control.retire(ref).catch(() => {
          failed++;
        });
      };
      const check = (): void => {
        const now = clock.now();
        const afterMs = now - startedAt;
        if (this.clean >= CLEAN_RESULTS || afterMs >= this.o.timeoutMs) {
          resolve({ gone: this.clean >= CLEAN_RESULTS, afterMs, sent, failed });
          return;
        }
        if (now - lastSent >= this.o.resendEveryMs) send();
        timer = clock.setTimeout(check, Math.min(250, this.o.timeoutMs - afterMs));
      };
      this.sentAt = startedAt;
      send();
      timer = clock.setTimeout(check, Math.min(250, this.o.timeoutMs));
    }).finally(() => timer?.cancel());
  }
}
