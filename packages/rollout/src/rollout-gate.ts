/**
 * When a stage may advance. Every threshold is checked on the results decided under the stage's
 * policy version only (a fresh scorecard per stage). A threshold set to `null` is not checked.
 *
 * - It **holds** (advance) once `minSamples` results were counted, `minStageMs` has passed and
 *   every threshold is met, the agreement by the lower bound of its 95% Wilson interval.
 * - It **fails** (roll back at once) once `minSamples` were counted and a threshold is clearly
 *   missed: the p99 or an error rate above its bound, or even the upper bound of the agreement
 *   interval below `minAgreement`.
 * - Otherwise it is **pending**; a stage still pending after `maxStageMs` rolls back.
 */
export interface RolloutGate {
  /** Results of the stage, with a score or a timeout of the candidate, before anything is judged. */
  readonly minSamples: number;
  /** Lower bound of the agreement of the candidate with the current version. */
  readonly minAgreement: number | null;
  /** The candidate's score latency p99, in ms. */
  readonly maxP99Ms: number | null;
  /** The candidate's score latency p99 over the current version's. */
  readonly maxP99Ratio: number | null;
  /**
   * A p99 at most this many ms above the current version's never fails `maxP99Ratio`: at a few
   * ms, a ratio is mostly noise (3 ms against 2 ms is 1.5×).
   */
  readonly p99ToleranceMs: number;
  /**
   * Scores of each version a p99 bound needs before it can fail the gate: on fewer, a p99 is a
   * handful of values, and one above its bound only makes the gate wait for more.
   */
  readonly p99MinSamples: number;
  /** The candidate's errors and timeouts over the requests it was live for. */
  readonly maxErrorRate: number | null;
  /** Failed requests (no answer for the caller) over the stage's results. */
  readonly maxFailedRate: number | null;
  /** Shortest stay in a stage, even when the gate holds earlier. */
  readonly minStageMs: number;
  /** Longest stay in a stage: a gate still pending then rolls back. */
  readonly maxStageMs: number;
}

/**
 * The default gate: 200 samples, agreement ≥ 0.95 (Wilson lower bound), candidate p99 ≤ 1.5 ×
 * the current version's (or at most 2 ms above it; judged on 1000 scores at least), errors ≤ 1 %, failed requests ≤ 1 %, at
 * most 10 minutes per stage.
 *
 * @example
 * ```ts
 * const strict: RolloutGate = { ...DEFAULT_GATE, maxFailedRate: 0 };
 * ```
 */
export const DEFAULT_GATE: RolloutGate = {
  minSamples: 200,
  minAgreement: 0.95,
  maxP99Ms: null,
  maxP99Ratio: 1.5,
  p99ToleranceMs: 2,
  p99MinSamples: 1000,
  maxErrorRate: 0.01,
  maxFailedRate: 0.01,
  minStageMs: 0,
  maxStageMs: 600_000,
};

/**
 * What a stage's gate is judged on, from the stage's scorecard.
 *
 * @example
 * ```ts
 * rollout.events$.subscribe((e) => {
 *   if (e.figures) console.log(e.figures.samples, e.figures.agreement?.low, e.figures.p99Ratio);
 * });
 * ```
 */
export interface GateFigures {
  /** Results decided under the stage's policy version. */
  readonly results: number;
  /** Of those, the ones that failed (no answer for the caller). */
  readonly failed: number;
  /** Results the candidate was live for (scored, failed or timed out). */
  readonly samples: number;
  /** Answers given by the candidate and by the current version. */
  readonly chosenCandidate: number;
  readonly chosenCurrent: number;
  /** Agreement of the candidate with the current version, with its 95% Wilson interval. */
  readonly agreement: {
    readonly compared: number;
    readonly rate: number | null;
    readonly low: number;
    readonly high: number;
  } | null;
  readonly candidateP99Ms: number | null;
  readonly currentP99Ms: number | null;
  readonly p99Ratio: number | null;
  /** Scores the p99s are computed on (the fewer of the two versions'). */
  readonly latencySamples: number;
  /** The callers' latency p99 (request accepted to decided). */
  readonly resultP99Ms: number | null;
  /** The candidate's errors and timeouts over `samples`. */
  readonly errorRate: number | null;
  /** Time spent in the stage so far. */
  readonly elapsedMs: number;
}

/**
 * A gate's verdict: `hold` (advance), `fail` (roll back) or `pending` (wait), with the reasons.
 *
 * @example
 * ```ts
 * const v = evaluateGate(figures, DEFAULT_GATE);
 * if (v.verdict === 'fail') console.warn(v.reasons.join('; '));
 * ```
 */
export interface GateVerdict {
  readonly verdict: 'hold' | 'fail' | 'pending';
  readonly reasons: readonly string[];
}

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/**
 * Judges a stage's figures against its gate (see {@link RolloutGate}). Pure.
 *
 * @example
 * ```ts
 * evaluateGate({ ...figures, samples: 10 }, { ...DEFAULT_GATE, minSamples: 200 });
 * // { verdict: 'pending', reasons: ['10/200 samples'] }
 * ```
 */
export function evaluateGate(f: GateFigures, gate: RolloutGate): GateVerdict {
  if (f.samples === 0 && f.results > 0)
    return {
      verdict: 'pending',
      reasons: [`the candidate scored none of ${f.results} results: is a worker of it running?`],
    };
  if (f.samples < gate.minSamples)
    return { verdict: 'pending', reasons: [`${f.samples}/${gate.minSamples} samples`] };
  const failures: string[] = [];
  const waiting: string[] = [];
  if (gate.maxFailedRate !== null && f.results > 0 && f.failed / f.results > gate.maxFailedRate)
    failures.push(
      `failed requests ${fmt(f.failed / f.results)} > ${fmt(gate.maxFailedRate)} (${f.failed}/${f.results})`,
    );
  if (gate.maxErrorRate !== null && f.errorRate !== null && f.errorRate > gate.maxErrorRate)
    failures.push(`error rate ${fmt(f.errorRate)} > ${fmt(gate.maxErrorRate)}`);
  // A p99 over its bound fails on enough scores; on fewer it only makes the gate wait.
  const slow = f.latencySamples >= gate.p99MinSamples ? failures : waiting;
  const thin = slow === waiting ? ` (on ${f.latencySamples}/${gate.p99MinSamples} scores)` : '';
  if (gate.maxP99Ms !== null && f.candidateP99Ms !== null && f.candidateP99Ms > gate.maxP99Ms)
    slow.push(`p99 ${fmt(f.candidateP99Ms)} ms > ${fmt(gate.maxP99Ms)} ms${thin}`);
  if (
    gate.maxP99Ratio !== null &&
    f.p99Ratio !== null &&
    f.p99Ratio > gate.maxP99Ratio &&
    (f.candidateP99Ms ?? 0) - (f.currentP99Ms ?? 0) > gate.p99ToleranceMs
  )
    slow.push(
      `p99 ${fmt(f.candidateP99Ms ?? 0)} ms is ${fmt(f.p99Ratio)}× the current ${fmt(f.currentP99Ms ?? 0)} ms > ${fmt(gate.maxP99Ratio)}×${thin}`,
    );
  if (gate.minAgreement !== null) {
    const a = f.agreement;
    if (!a || a.compared < gate.minSamples)
      waiting.push(`${a?.compared ?? 0}/${gate.minSamples} compared with the current version`);
    else if (a.high < gate.minAgreement)
      failures.push(
        `agreement ${fmt(a.rate ?? 0)} [${fmt(a.low)}, ${fmt(a.high)}] < ${fmt(gate.minAgreement)}`,
      );
    else if (a.low < gate.minAgreement)
      waiting.push(
        `agreement lower bound ${fmt(a.low)} < ${fmt(gate.minAgreement)} (n=${a.compared})`,
      );
  }
  if (failures.length > 0) return { verdict: 'fail', reasons: failures };
  if (f.elapsedMs < gate.minStageMs)
    waiting.push(`${fmt(f.elapsedMs / 1000)}/${fmt(gate.minStageMs / 1000)} s in the stage`);
  if (waiting.length > 0) return { verdict: 'pending', reasons: waiting };
  return { verdict: 'hold', reasons: ['every threshold met'] };
}
