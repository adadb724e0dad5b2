import type { ScenarioContext } from './types.js';

/** How long a fault run loads the system before and after the fault (see `underLoad`). */
export interface LoadPhases {
  readonly beforeMs: number;
  readonly afterMs: number;
}

/**
 * The load phases of a scenario, each given as `[quick, full]`: the quick form's (`npm test`,
 * `--quick`) or the full run's, by `ctx.quick`.
 *
 * @example
 * ```ts
 * runSdkFault(ctx, { ...redisLoad(ctx), ...loadPhases(ctx, [1500, 3000], [4000, 6000]), fault });
 * ```
 */
export function loadPhases(
  ctx: Pick<ScenarioContext, 'quick'>,
  beforeMs: readonly [quick: number, full: number],
  afterMs: readonly [quick: number, full: number],
): LoadPhases {
  const pick = ([quick, full]: readonly [number, number]) => (ctx.quick ? quick : full);
  return { beforeMs: pick(beforeMs), afterMs: pick(afterMs) };
}
