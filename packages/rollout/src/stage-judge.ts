import type { Clock, Json, RendezvousResult, Timer } from '@rendezvous-ml/core';
import {
  Scorecard,
  type ScorecardAlarm,
  type ScorecardAlarmOptions,
} from '@rendezvous-ml/scorecard';
import type { Subscription } from 'rxjs';
import { gateFigures } from './gate-figures.js';
import { policyVersionOf } from './policy-version-of.js';
import { evaluateGate, type GateFigures, type RolloutGate } from './rollout-gate.js';

/**
 * How a stage ended: advance, or roll back, with the reason and the figures it was judged on.
 *
 * @example
 * ```ts
 * const end: StageEnd = await judge.watch();
 * if (!end.advance) console.warn(end.reason);
 * ```
 */
export interface StageEnd {
  readonly advance: boolean;
  readonly reason: string;
  readonly figures: GateFigures | undefined;
}

/**
 * Options of {@link StageJudge}.
 *
 * @example
 * ```ts
 * const o: StageJudgeOptions = { clock, candidate: 'dt@2', current: 'dt@1', gate: DEFAULT_GATE, evaluateEveryMs: 1000, reportEveryMs: 10_000, onWaiting: () => {} };
 * ```
 */
export interface StageJudgeOptions {
  readonly clock: Clock;
  readonly candidate: string;
  readonly current: string;
  readonly gate: RolloutGate;
  readonly alarms?: ScorecardAlarmOptions;
  readonly agree?: (a: Json, b: Json) => boolean;
  readonly evaluateEveryMs: number;
  readonly reportEveryMs: number;
  /** Called every `reportEveryMs` while the gate is pending, with why. */
  readonly onWaiting: (figures: GateFigures, reason: string) => void;
}

/** Results of versions not yet known, kept while a publish is under way. */
const MAX_EARLY_RESULTS = 10_000;

/**
 * Judges one stage: a fresh {@link Scorecard} (reference: the current version) fed only with
 * the results decided under the stage's policy version, and its gate evaluated every
 * `evaluateEveryMs` until it holds, fails, times out, an alarm fires for the candidate, or
 * {@link StageJudge.interrupt} is called. Results that arrive before the stage's version is known
 * (front ends apply a spec before the publish returns) are kept and counted once it is.
 *
 * @example
 * ```ts
 * const judge = new StageJudge(options);
 * results$.subscribe((r) => judge.offer(r, lastVersion));
 * judge.setVersion((await control.publish(spec)).version);
 * const end = await judge.watch();
 * await judge.stop();
 * ```
 */
export class StageJudge {
  private readonly scorecard: Scorecard;
  private readonly early: RendezvousResult[] = [];
  private stageVersion: number | undefined;
  private interrupted: ((reason: string) => void) | undefined;
  private pendingInterrupt: string | undefined;

  constructor(private readonly o: StageJudgeOptions) {
    this.scorecard = new Scorecard({
      clock: o.clock,
      reference: o.current,
      windows: [{ name: 'stage' }],
      snapshotIntervalMs: 0,
      alarms: { minSamples: o.gate.minSamples, ...o.alarms },
      ...(o.agree ? { agree: o.agree } : {}),
    });
  }

  /** The stage's policy version, once published. */
  get version(): number | undefined {
    return this.stageVersion;
  }

  /** Counts a result decided under the stage's version; keeps one of a newer version than `after` while the version is unknown. */
  offer(result: RendezvousResult, after: number): void {
    const version = policyVersionOf(result);
    if (version === undefined) return;
    if (this.stageVersion === undefined) {
      if (version > after && this.early.length < MAX_EARLY_RESULTS) this.early.push(result);
    } else if (version === this.stageVersion) this.record(result);
  }

  /** The stage's spec was published as `version`: counts the results kept for it. */
  setVersion(version: number): void {
    this.stageVersion = version;
    for (const r of this.early) if (policyVersionOf(r) === version) this.record(r);
    this.early.length = 0;
  }

  /** Ends `watch()` with a rollback for `reason` (or the next `watch()`, if none is running). */
  interrupt(reason: string): void {
    if (this.interrupted) this.interrupted(reason);
    else this.pendingInterrupt ??= reason;
  }

  /** Evaluates the gate until the stage ends. */
  watch(): Promise<StageEnd> {
    const { clock, candidate, current, gate } = this.o;
    const startedAt = clock.now();
    let lastReport = startedAt;
    let figures: GateFigures | undefined;
    let alarm: ScorecardAlarm | undefined;
    let timer: Timer | undefined;
    let alarms: Subscription | undefined;
    return new Promise<StageEnd>((resolve) => {
      const finish = (end: StageEnd): void => {
        if (this.interrupted === undefined) return;
        this.interrupted = undefined;
        timer?.cancel();
        alarms?.unsubscribe();
        resolve(end);
      };
      this.interrupted = (reason) => finish({ advance: false, reason, figures });
      if (this.pendingInterrupt !== undefined) {
        finish({ advance: false, reason: this.pendingInterrupt, figures });
        return;
      }
      // Alarms are only evaluated inside snapshot(), which only tick() calls.
      alarms = this.scorecard.alarm$.subscribe((a) => {
        if (a.state === 'firing' && a.model === candidate) alarm ??= a;
      });
      const tick = (): void => {
        const now = clock.now();
        const elapsed = now - startedAt;
        figures = gateFigures(this.scorecard.snapshot(), candidate, current, elapsed);
        const verdict = evaluateGate(figures, gate);
        const why = verdict.reasons.join('; ');
        const end = alarm
          ? { advance: false, reason: alarmReason(alarm) }
          : verdict.verdict === 'fail'
            ? { advance: false, reason: `gate failed: ${why}` }
            : verdict.verdict === 'hold'
              ? { advance: true, reason: why }
              : elapsed >= gate.maxStageMs
                ? {
                    advance: false,
                    reason: `the gate did not hold within ${gate.maxStageMs} ms: ${why}`,
                  }
                : undefined;
        if (end) {
          finish({ ...end, figures });
          return;
        }
        if (now - lastReport >= this.o.reportEveryMs) {
          lastReport = now;
          this.o.onWaiting(figures, why);
        }
        timer = clock.setTimeout(tick, Math.min(this.o.evaluateEveryMs, gate.maxStageMs - elapsed));
      };
      timer = clock.setTimeout(tick, Math.min(this.o.evaluateEveryMs, gate.maxStageMs));
    });
  }

  /** Stops the stage's scorecard. */
  async stop(): Promise<void> {
    await this.scorecard.stop();
  }

  private record(r: RendezvousResult): void {
    try {
      this.scorecard.record(r);
    } catch {
      // A user `agree` that throws must not stop the rollout; that result is not counted.
    }
  }
}

function alarmReason(a: ScorecardAlarm): string {
  const value = Number(a.value.toPrecision(4));
  const versus = a.reference ? ` with ${a.reference}` : '';
  return `alarm: ${a.kind}${versus} of ${a.model} is ${value} against ${a.threshold} (n=${a.sampleSize})`;
}
