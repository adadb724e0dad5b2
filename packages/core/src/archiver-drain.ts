import type { Clock, Timer } from './clock.js';

/**
 * Options of `Archiver.drain`.
 *
 * @example
 * ```ts
 * const opts: ArchiverDrainOptions = { caughtUp: true, timeoutMs: 15_000 };
 * ```
 */
export interface ArchiverDrainOptions {
  /**
   * Also wait until the archiver's group has nothing left on its stream: the transport's
   * `groupLag` reads 0 (everything published to the stream is archived, dead-lettered or
   * otherwise acknowledged). Default false: settle only what was received so far. A transport
   * without `capabilities.groupLag`, or an archiver that is not running, settles only what it
   * received and resolves with outcome `settled`.
   */
  readonly caughtUp?: boolean;
  /** Most time `caughtUp` waits (on the archiver's clock), then outcome `timed-out`. Default 30 s. */
  readonly timeoutMs?: number;
  /** How often `caughtUp` reads the group's lag while it is above 0. Default 100 ms. */
  readonly pollIntervalMs?: number;
}

/**
 * How `Archiver.drain` ended.
 * - `caught-up`: the group's lag read 0 after what was received was settled.
 * - `settled`: what was received is settled; the lag was not asked for or cannot be read.
 * - `timed-out`: `timeoutMs` passed first; `lag` is the last reading (absent if none succeeded).
 *
 * @example
 * ```ts
 * const r = await archiver.drain({ caughtUp: true });
 * if (r.outcome === 'timed-out') log.warn({ lag: r.lag }, 'archiver did not catch up');
 * ```
 */
export interface ArchiverDrainResult {
  readonly outcome: 'caught-up' | 'settled' | 'timed-out';
  /** The group's last lag reading, when one was taken. */
  readonly lag?: number;
}

/** What {@link drainUntilCaughtUp} needs from the archiver. */
interface DrainSteps {
  /** Writes and acks what is held, and waits for dead-letter writes. */
  settle(): Promise<unknown>;
  /** Reads the group's lag; absent when the transport cannot. */
  readonly lag: (() => Promise<number>) | undefined;
  readonly clock: Clock;
}

const TIMED_OUT = Symbol('timed out');

/**
 * Settles what the archiver received, then, with `caughtUp` and a lag to read, reads the lag
 * and repeats every `pollIntervalMs` until the lag is 0 or `timeoutMs`
 * has passed; a lag reading that fails (a broker blip) is retried until then. Never rejects
 * for a timeout: it resolves with outcome `timed-out`.
 *
 * @example
 * ```ts
 * await drainArchiver({ settle, lag: () => transport.groupLag!(stream, group), clock }, { caughtUp: true });
 * ```
 */
export async function drainArchiver(
  steps: DrainSteps,
  options: ArchiverDrainOptions,
): Promise<ArchiverDrainResult> {
  const { clock } = steps;
  if (!options.caughtUp || !steps.lag) {
    await steps.settle();
    return { outcome: 'settled' };
  }
  const readLag = steps.lag;
  const every = options.pollIntervalMs ?? 100;
  let deadline: Timer | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    deadline = clock.setTimeout(() => resolve(TIMED_OUT), options.timeoutMs ?? 30_000);
  });
  const within = <T>(work: Promise<T>): Promise<T | typeof TIMED_OUT> =>
    Promise.race([work, timedOut]);
  let lag: number | undefined;
  /** Resolves after `every`, or with `race` if it settles first; leaves no timer behind. */
  const pause = async <T>(race: Promise<T>): Promise<T | undefined> => {
    let t: Timer | undefined;
    const waited = new Promise<undefined>((r) => (t = clock.setTimeout(() => r(undefined), every)));
    try {
      return await Promise.race([race, waited]);
    } finally {
      t?.cancel();
    }
  };
  /** With no reading yet (a settle that hung), one last read, bounded by `pollIntervalMs`. */
  const timedOutResult = async (): Promise<ArchiverDrainResult> => {
    if (lag === undefined) {
      const last = await pause(readLag().catch(() => undefined));
      if (last !== undefined) lag = last;
    }
    return lag === undefined ? { outcome: 'timed-out' } : { outcome: 'timed-out', lag };
  };
  try {
    for (;;) {
      if ((await within(steps.settle())) === TIMED_OUT) return timedOutResult();
      const read = await within(readLag().catch(() => undefined));
      if (read === TIMED_OUT) return timedOutResult();
      if (read !== undefined) lag = read;
      if (read === 0) return { outcome: 'caught-up', lag: 0 };
      if ((await pause(timedOut)) === TIMED_OUT) return timedOutResult();
    }
  } finally {
    deadline?.cancel();
  }
}
