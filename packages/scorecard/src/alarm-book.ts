import type { AlarmKind, ScorecardAlarm } from './scorecard-alarm.js';
import type { ScorecardAlarmOptions } from './scorecard-options.js';
import type { WindowFigures } from './scorecard-snapshot.js';

type Evidence = Omit<ScorecardAlarm, 'state' | 'at' | 'window' | 'kind' | 'threshold'>;

/** Resolved thresholds (`null`: off). */
interface Thresholds {
  readonly minSamples: number;
  readonly agreementBelow: number | null;
  readonly outputPsiAbove: number | null;
  readonly inputPsiAbove: number | null;
  readonly errorRateAbove: number | null;
  readonly timeoutRateAbove: number | null;
  readonly windows: readonly string[] | undefined;
}

const pick = (v: number | null | undefined, fallback: number) => (v === undefined ? fallback : v);

/**
 * The state of every alarm. An alarm changes state only on evidence of at least `minSamples`
 * samples: it fires when its condition becomes true and clears when it becomes false, so a
 * condition that holds for an hour fires once.
 */
export class AlarmBook {
  private readonly t: Thresholds;
  private readonly firing = new Set<string>();

  constructor(options: ScorecardAlarmOptions = {}) {
    this.t = {
      minSamples: options.minSamples ?? 100,
      agreementBelow: pick(options.agreementBelow, 0.9),
      outputPsiAbove: pick(options.outputPsiAbove, 0.25),
      inputPsiAbove: pick(options.inputPsiAbove, 0.25),
      errorRateAbove: pick(options.errorRateAbove, 0.05),
      timeoutRateAbove: pick(options.timeoutRateAbove, 0.05),
      windows: options.windows,
    };
    if (!(this.t.minSamples >= 1)) throw new RangeError('alarms.minSamples must be at least 1');
  }

  /** Evaluates every alarm on the windows' figures; returns the changes of state. */
  evaluate(at: number, windows: readonly WindowFigures[]): ScorecardAlarm[] {
    const changes: ScorecardAlarm[] = [];
    const check = (
      w: WindowFigures,
      kind: AlarmKind,
      threshold: number | null,
      isTrue: (value: number, threshold: number) => boolean,
      evidence: Evidence,
    ) => {
      if (threshold === null || evidence.sampleSize < this.t.minSamples) return;
      const key = `${kind}\u0000${w.window}\u0000${evidence.model ?? ''}\u0000${evidence.feature ?? ''}`;
      const now = isTrue(evidence.value, threshold);
      if (now === this.firing.has(key)) return;
      if (now) this.firing.add(key);
      else this.firing.delete(key);
      changes.push({
        kind,
        state: now ? 'firing' : 'cleared',
        at,
        window: w.window,
        ...evidence,
        threshold,
      });
    };
    const above = (v: number, t: number) => v > t;
    const below = (v: number, t: number) => v < t;
    for (const w of windows) {
      if (this.t.windows && !this.t.windows.includes(w.window)) continue;
      for (const m of w.models) {
        const model = m.model;
        const base = { model, sampleSize: m.candidates };
        check(w, 'error-rate', this.t.errorRateAbove, above, { ...base, value: m.errorRate });
        check(w, 'timeout-rate', this.t.timeoutRateAbove, above, { ...base, value: m.timeoutRate });
        if (m.agreement)
          check(w, 'agreement', this.t.agreementBelow, below, {
            model,
            reference: m.agreement.reference,
            sampleSize: m.agreement.compared,
            value: m.agreement.rate,
            interval: m.agreement.interval,
          });
        if (m.outputShift)
          check(w, 'output-shift', this.t.outputPsiAbove, above, {
            model,
            sampleSize: m.outputShift.samples,
            value: m.outputShift.psi,
          });
      }
      for (const f of w.inputShift)
        check(w, 'input-shift', this.t.inputPsiAbove, above, {
          feature: f.feature,
          sampleSize: f.samples,
          value: f.psi,
        });
    }
    return changes;
  }
}
