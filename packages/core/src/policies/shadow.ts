import { matchesSelector } from '../model-ref.js';
import type { RendezvousPolicy } from '../policy.js';

/**
 * Runs models in **shadow** under another policy: they see every request and their scores are
 * recorded (in `results$`, the results stream and the score archive, so a scorecard can compare
 * them), but the inner policy never sees them, so they are never chosen and never waited for.
 * Selectors are `'name'` (every version) or `'name@version'`. This is how a challenger is
 * evaluated on live traffic before it serves anyone.
 *
 * @example
 * ```ts
 * // dt@2 scores every request; latestVersion decides among the others, as if dt@2 were absent.
 * new Rendezvous({ transport, policy: shadow(latestVersion(), ['dt@2']) });
 * ```
 */
export function shadow(inner: RendezvousPolicy, models: readonly string[]): RendezvousPolicy {
  if (models.length === 0) return inner;
  const shadowed = (m: { name: string; version: string }): boolean =>
    models.some((sel) => matchesSelector(m, sel));
  return {
    name: `shadow(${inner.name}; ${models.join(', ')})`,
    decide: (view) =>
      inner.decide({
        ...view,
        live: view.live.filter((m) => !shadowed(m)),
        scores: view.scores.filter((s) => !shadowed(s.model)),
      }),
  };
}
