import { ConfigurationError } from '../errors.js';
import { matchesSelector, modelKey } from '../model-ref.js';
import type { OkScore, RendezvousPolicy } from '../policy.js';

/**
 * One time window of {@link staged}.
 *
 * @example
 * ```ts
 * const stage: Stage = { untilMs: 50, accept: ['dt'] };
 * ```
 */
export interface Stage {
  /** End of the window, in ms after the request started. The last stage may omit it (until the deadline). */
  readonly untilMs?: number;
  /** Model selectors accepted in this window, best first. */
  readonly accept: readonly string[];
}

/**
 * Time windows, each accepting a wider set of models. Within a window it answers at once with
 * the best accepted score; otherwise it wakes at the window's end and widens the set. Once every
 * live model has reported and no score is acceptable now or later, it fails at once.
 *
 * @example
 * ```ts
 * // Only the production model for 50 ms, then the baseline too.
 * staged([{ untilMs: 50, accept: ['dt'] }, { accept: ['dt', 'lr'] }]);
 * ```
 */
export function staged(stages: readonly Stage[]): RendezvousPolicy {
  if (stages.length === 0)
    throw new ConfigurationError('staged(stages): at least one stage is required');
  let previous = 0;
  stages.forEach((stage, i) => {
    if (stage.untilMs === undefined && i !== stages.length - 1) {
      throw new ConfigurationError('staged(stages): only the last stage may omit untilMs');
    }
    if (stage.untilMs !== undefined && stage.untilMs <= previous) {
      throw new ConfigurationError('staged(stages): untilMs must be positive and increase');
    }
    previous = stage.untilMs ?? previous;
  });
  const name = `staged(${stages.map((s) => `${s.accept.join('|')}${s.untilMs === undefined ? '' : `<${s.untilMs}ms`}`).join(', ')})`;
  return {
    name,
    decide(view) {
      const elapsed = view.now - view.startedAt;
      const index = stages.findIndex((s) => s.untilMs === undefined || elapsed < s.untilMs);
      const stage = stages[index === -1 ? stages.length - 1 : index]!;
      let best: OkScore | undefined;
      let bestRank = Number.POSITIVE_INFINITY;
      for (const score of view.scores) {
        if (!score.ok) continue;
        const r = stage.accept.findIndex((sel) => matchesSelector(score.model, sel));
        if (r >= 0 && r < bestRank) {
          best = score;
          bestRank = r;
        }
      }
      if (best) {
        return {
          action: 'answer',
          score: best,
          reason: `staged: ${modelKey(best.model)} in window ${index === -1 ? stages.length : index + 1}`,
        };
      }
      // Every live model has reported and no score is acceptable now or in a later window:
      // nothing usable can come, so fail now rather than at the deadline.
      const reported = new Set(view.scores.map((s) => modelKey(s.model)));
      const pending = view.live.some((m) => !reported.has(modelKey(m)));
      const later = stages.slice(index === -1 ? stages.length - 1 : index);
      const usableLater = view.scores.some(
        (s) => s.ok && later.some((st) => st.accept.some((sel) => matchesSelector(s.model, sel))),
      );
      if (!pending && !usableLater && view.live.length > 0 && view.scores.length > 0) {
        return {
          action: 'fail',
          reason: 'staged: every live model has reported and none is usable',
        };
      }
      const wakeAt =
        stage.untilMs === undefined || index === -1 ? undefined : view.startedAt + stage.untilMs;
      return wakeAt === undefined ? { action: 'wait' } : { action: 'wait', wakeAt };
    },
  };
}
