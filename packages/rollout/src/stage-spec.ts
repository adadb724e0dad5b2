import type { PolicySpec } from '@rendezvous-ml/core';
import type { RolloutStage } from './rollout-stage.js';

/**
 * The models a rollout's policies name: the `candidate` and `current` versions
 * (`name@version`) and the other models to keep serving behind them (a canary baseline such as
 * `lr`), best first.
 */
export interface RolloutModels {
  readonly candidate: string;
  readonly current: string;
  readonly keep: readonly string[];
}

/**
 * The policy spec of a stage. Every one accepts only the models it names (`only: true`): a
 * version deployed beside them that the rollout does not name is neither waited for nor ever
 * chosen, not even at the deadline.
 * - shadow: `shadow(priority([current, ...keep], only), [candidate])`;
 * - canary p: `split({ candidate: p, current: 1 - p }, fallback [current, ...keep], only)`;
 * - promoted: `priority([candidate, current, ...keep], only)`;
 * - retired: `priority([candidate, ...keep], only)`.
 *
 * @example
 * ```ts
 * stageSpec({ kind: 'canary', share: 0.1 }, { candidate: 'dt@2', current: 'dt@1', keep: [] });
 * // { policy: 'split', weights: { 'dt@2': 0.1, 'dt@1': 0.9 }, fallback: ['dt@1'], only: true }
 * ```
 */
export function stageSpec(stage: RolloutStage, m: RolloutModels): PolicySpec {
  switch (stage.kind) {
    case 'shadow':
      return rollbackSpec(m);
    case 'canary':
      return {
        policy: 'split',
        weights: { [m.candidate]: stage.share, [m.current]: 1 - stage.share },
        fallback: [m.current, ...m.keep],
        only: true,
      };
    case 'promoted':
      return { policy: 'priority', order: [m.candidate, m.current, ...m.keep], only: true };
    case 'retired':
      return { policy: 'priority', order: [m.candidate, ...m.keep], only: true };
  }
}

/**
 * The spec a rollback publishes: the current version first again, the candidate back in shadow
 * (it keeps scoring, so what went wrong can still be measured, and is never chosen).
 *
 * @example
 * ```ts
 * rollbackSpec({ candidate: 'dt@2', current: 'dt@1', keep: ['lr'] });
 * // { policy: 'shadow', models: ['dt@2'], inner: { policy: 'priority', order: ['dt@1', 'lr'], only: true } }
 * ```
 */
export function rollbackSpec(m: RolloutModels): PolicySpec {
  return {
    policy: 'shadow',
    models: [m.candidate],
    inner: { policy: 'priority', order: [m.current, ...m.keep], only: true },
  };
}
