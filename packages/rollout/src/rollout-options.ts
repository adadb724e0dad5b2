import {
  type ArchiveSink,
  type Clock,
  ConfigurationError,
  type Json,
  type RendezvousResult,
} from '@rendezvous-ml/core';
import type { ScorecardAlarmOptions } from '@rendezvous-ml/scorecard';
import type { Observable } from 'rxjs';
import type { RolloutControl } from './rollout-control.js';
import { DEFAULT_GATE, type RolloutGate } from './rollout-gate.js';
import { DEFAULT_STAGES, type RolloutStage } from './rollout-stage.js';

/**
 * Options of {@link Rollout}.
 *
 * @example
 * ```ts
 * const options: RolloutOptions = {
 *   candidate: 'dt@2',
 *   current: 'dt@1',
 *   keep: ['lr'],
 *   control: new PolicyController({ transport }),
 *   results: resultsFromStream({ transport, group: 'rollout' }),
 *   gate: { minSamples: 500, maxStageMs: 300_000 },
 * };
 * ```
 */
export interface RolloutOptions {
  /** The version rolled out, `name@version`. */
  readonly candidate: string;
  /** The version it replaces, `name@version`. */
  readonly current: string;
  /** Other models the policies keep behind these two, best first (a canary baseline, `lr`). */
  readonly keep?: readonly string[];
  /** Publishes the stages' specs and retires the current version. */
  readonly control: RolloutControl;
  /** Decided results of every front end (a front end's `results$`, or `resultsFromStream`). */
  readonly results: Observable<RendezvousResult>;
  /** Default `systemClock`. */
  readonly clock?: Clock;
  /** Default {@link DEFAULT_STAGES}. `retired`, if present, must be last. */
  readonly stages?: readonly RolloutStage[];
  /** Overrides of {@link DEFAULT_GATE}, for every stage. */
  readonly gate?: Partial<RolloutGate>;
  /**
   * Alarms of each stage's scorecard: one that fires for the candidate rolls back at once.
   * Default: the scorecard's, with `minSamples` the gate's.
   */
  readonly alarms?: ScorecardAlarmOptions;
  /** Whether two outputs agree. Default: deep equality. */
  readonly agree?: (a: Json, b: Json) => boolean;
  /** Every event is written there, in order (records of kind `event`). */
  readonly archive?: ArchiveSink;
  /** How often the gate is evaluated. Default 1000 ms. */
  readonly evaluateEveryMs?: number;
  /** How often a `gate-figures` event is emitted while a stage waits. Default 10 000 ms. */
  readonly reportEveryMs?: number;
  /** How long a publish waits for the front ends' reports. Default 2000 ms. */
  readonly publishWaitMs?: number;
  /**
   * How long the last stage waits for the retired version to be gone from the results (the
   * retire is resent every 2 s meanwhile). Default 30 000 ms.
   */
  readonly retireWaitMs?: number;
  /** Front ends expected to apply each spec (a publish returns once they all did). */
  readonly expectFrontEnds?: number;
  /** The rollout's id in events. Default `<candidate>-<start time>`. */
  readonly id?: string;
}

/**
 * A rollout's options with the defaults applied, checked.
 *
 * @example
 * ```ts
 * const { stages, gate, evaluateEveryMs } = resolveRolloutOptions(options);
 * ```
 */
export interface ResolvedRolloutOptions {
  readonly stages: readonly RolloutStage[];
  readonly gate: RolloutGate;
  readonly keep: readonly string[];
  readonly evaluateEveryMs: number;
  readonly reportEveryMs: number;
  readonly publishWaitMs: number;
  readonly retireWaitMs: number;
}

const VERSIONED = /^[^@\s]+@[^@\s]+$/;

function checkGate(gate: RolloutGate, where: string): void {
  const bad = (what: string) => {
    throw new ConfigurationError(`${where}: ${what}`);
  };
  if (!Number.isInteger(gate.minSamples) || gate.minSamples < 1)
    bad(`minSamples must be a positive integer, got ${gate.minSamples}`);
  for (const [key, value] of [
    ['minAgreement', gate.minAgreement],
    ['maxErrorRate', gate.maxErrorRate],
    ['maxFailedRate', gate.maxFailedRate],
  ] as const)
    if (value !== null && !(value >= 0 && value <= 1))
      bad(`${key} must be within [0, 1] or null, got ${value}`);
  for (const [key, value] of [
    ['maxP99Ms', gate.maxP99Ms],
    ['maxP99Ratio', gate.maxP99Ratio],
  ] as const)
    if (value !== null && !(value > 0 && Number.isFinite(value)))
      bad(`${key} must be a positive number or null, got ${value}`);
  if (!Number.isInteger(gate.p99MinSamples) || gate.p99MinSamples < 1)
    bad(`p99MinSamples must be a positive integer, got ${gate.p99MinSamples}`);
  if (!(gate.p99ToleranceMs >= 0)) bad(`p99ToleranceMs must be >= 0, got ${gate.p99ToleranceMs}`);
  if (!(gate.minStageMs >= 0)) bad(`minStageMs must be >= 0, got ${gate.minStageMs}`);
  if (!(gate.maxStageMs > gate.minStageMs))
    bad(`maxStageMs (${gate.maxStageMs}) must be greater than minStageMs (${gate.minStageMs})`);
}

/**
 * Checks a rollout's options and applies the defaults; throws a `ConfigurationError` naming the
 * option at fault.
 *
 * @example
 * ```ts
 * const { stages, gate } = resolveRolloutOptions(options);
 * ```
 */
export function resolveRolloutOptions(o: RolloutOptions): ResolvedRolloutOptions {
  for (const [key, value] of [
    ['candidate', o.candidate],
    ['current', o.current],
  ] as const)
    if (typeof value !== 'string' || !VERSIONED.test(value))
      throw new ConfigurationError(
        `Rollout ${key} must be one model version, name@version (such as dt@2), got "${value}"`,
      );
  if (o.candidate === o.current)
    throw new ConfigurationError(`Rollout candidate and current are both ${o.candidate}`);
  const keep = o.keep ?? [];
  for (const k of keep)
    if (k === o.candidate || k === o.current || k.length === 0)
      throw new ConfigurationError(
        `Rollout keep: "${k}" must name another model than the candidate and the current version`,
      );
  const stages = o.stages ?? DEFAULT_STAGES;
  if (stages.length === 0) throw new ConfigurationError('Rollout stages: give at least one stage');
  stages.forEach((s, i) => {
    if (s.kind === 'canary' && !(s.share > 0 && s.share < 1))
      throw new ConfigurationError(
        `Rollout stages[${i}]: a canary share must be within (0, 1), got ${s.share}`,
      );
    if (s.kind === 'retired' && i !== stages.length - 1)
      throw new ConfigurationError(`Rollout stages[${i}]: retired must be the last stage`);
  });
  const gate = { ...DEFAULT_GATE, ...o.gate };
  checkGate(gate, 'Rollout gate');
  stages.forEach((s, i) => {
    if (s.kind !== 'retired' && s.gate)
      checkGate({ ...gate, ...s.gate }, `Rollout stages[${i}].gate`);
  });
  const positive = (key: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!(v > 0) || !Number.isFinite(v))
      throw new ConfigurationError(`Rollout ${key} must be a positive number of ms, got ${v}`);
    return v;
  };
  return {
    stages,
    gate,
    keep,
    evaluateEveryMs: positive('evaluateEveryMs', o.evaluateEveryMs, 1000),
    reportEveryMs: positive('reportEveryMs', o.reportEveryMs, 10_000),
    publishWaitMs: positive('publishWaitMs', o.publishWaitMs, 2000),
    retireWaitMs: positive('retireWaitMs', o.retireWaitMs, 30_000),
  };
}
