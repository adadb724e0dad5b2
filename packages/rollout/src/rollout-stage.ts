import type { RolloutGate } from './rollout-gate.js';

/**
 * One stage of a rollout.
 * - `shadow`: the candidate scores every request and is never chosen.
 * - `canary`: a `share` (0 < share < 1) of the requests prefer the candidate (`split`).
 * - `promoted`: the candidate is first in priority; the current version still scores.
 * - `retired`: the candidate without the current version, whose workers are then retired.
 *
 * `gate` overrides the rollout's gate for this stage (`retired` has none: it is the end).
 */
export type RolloutStage =
  | { readonly kind: 'shadow'; readonly gate?: Partial<RolloutGate> }
  | { readonly kind: 'canary'; readonly share: number; readonly gate?: Partial<RolloutGate> }
  | { readonly kind: 'promoted'; readonly gate?: Partial<RolloutGate> }
  | { readonly kind: 'retired' };

/**
 * The default stages: shadow, canary at 1 %, 10 % and 50 %, promoted, retired.
 *
 * @example
 * ```ts
 * new Rollout({ ...options, stages: DEFAULT_STAGES.filter((s) => s.kind !== 'retired') });
 * ```
 */
export const DEFAULT_STAGES: readonly RolloutStage[] = [
  { kind: 'shadow' },
  { kind: 'canary', share: 0.01 },
  { kind: 'canary', share: 0.1 },
  { kind: 'canary', share: 0.5 },
  { kind: 'promoted' },
  { kind: 'retired' },
];

/**
 * A stage's name in events and in the CLI: `shadow`, `canary 10%`, `promoted`, `retired`.
 *
 * @example
 * ```ts
 * stageName({ kind: 'canary', share: 0.01 }); // 'canary 1%'
 * ```
 */
export function stageName(stage: RolloutStage): string {
  if (stage.kind !== 'canary') return stage.kind;
  return `canary ${Number((stage.share * 100).toPrecision(6))}%`;
}
