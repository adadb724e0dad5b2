import type { PolicyDecision, PolicyView, RendezvousPolicy } from '../policy.js';

/**
 * Builds a custom policy from a name and a pure decision function.
 *
 * @example
 * ```ts
 * const confident = definePolicy('confident', (view) => {
 *   const s = view.scores.find((x) => x.ok && (x.output as { p: number }).p > 0.9);
 *   return s?.ok ? { action: 'answer', score: s, reason: 'p > 0.9' } : { action: 'wait' };
 * });
 * ```
 */
export function definePolicy(
  name: string,
  decide: (view: PolicyView) => PolicyDecision,
): RendezvousPolicy {
  return { name, decide };
}
