import type { GateFigures } from './rollout-gate.js';

/**
 * One transition of a rollout, on `events$` and in the archive.
 * - `stage-started`: the stage's spec was applied (`version`, `applied` front ends, `publishMs`).
 * - `gate-figures`: the stage's figures so far, and why it is still waiting (`reason`).
 * - `advanced`: the gate held; the next stage follows.
 * - `rolled-back`: an alarm, a failed gate, a timeout, a rejected spec or `abort()`; `stage` is
 *   the stage that failed, `version` the rollback spec's, `reason` why.
 * - `completed`: the last stage was reached (and the previous version retired).
 *
 * @example
 * ```ts
 * rollout.events$.subscribe((e) => console.log(`${e.type} ${e.stage} v${e.version}: ${e.reason ?? ''}`));
 * ```
 */
export interface RolloutEvent {
  readonly type: 'stage-started' | 'gate-figures' | 'advanced' | 'rolled-back' | 'completed';
  /** The rollout's id: every event of one rollout carries it. */
  readonly rollout: string;
  /** Position of the event in the rollout, from 0. */
  readonly seq: number;
  readonly candidate: string;
  readonly current: string;
  /** The stage's name (`shadow`, `canary 10%`, `promoted`, `retired`). */
  readonly stage: string;
  /** The stage's position in the rollout's stages. */
  readonly stageIndex: number;
  /** The policy version of the spec in force after the event. */
  readonly version?: number;
  readonly figures?: GateFigures;
  readonly reason?: string;
  /** Front ends that applied the spec, and how long the publish took (stage-started, rolled-back). */
  readonly applied?: number;
  readonly publishMs?: number;
  /** Clock time. */
  readonly at: number;
}

/**
 * How a rollout ended.
 *
 * @example
 * ```ts
 * const outcome: RolloutOutcome = await rollout.run();
 * if (outcome.status === 'rolled-back') console.error(`${outcome.stage}: ${outcome.reason}`);
 * ```
 */
export interface RolloutOutcome {
  readonly status: 'completed' | 'rolled-back';
  readonly rollout: string;
  /** The last stage reached (for a rollback, the one that failed). */
  readonly stage: string;
  readonly reason?: string;
  /** The policy version in force at the end. */
  readonly version?: number;
  readonly events: readonly RolloutEvent[];
  /** Events the archive could not write (they are still in `events`). */
  readonly archiveFailures: number;
  readonly startedAt: number;
  readonly endedAt: number;
}
