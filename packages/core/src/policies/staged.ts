import { ConfigurationError } from '../errors.js';
import { matchesSelector, modelKey } from '../model-ref.js';
import type { OkScore, RendezvousPolicy } from '../policy.js';

/**
 * One time window of {@link staged}.
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
 * At or past the deadline it never waits while it has a usable score: it answers with the best
 * score of the current window or, if that window accepts none, of the first later window that
 * accepts one (a window that would have opened after the deadline). Without a usable score, the
 * request fails with `DeadlineExceededError`.
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
  /** The best score `stage` accepts: the first of its selectors (best first) that has one. */
  const bestIn = (stage: Stage, scores: readonly OkScore[]): OkScore | undefined => {
    let best: OkScore | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (const score of scores) {
      const r = stage.accept.findIndex((sel) => matchesSelector(score.model, sel));
      if (r >= 0 && r < bestRank) {
        best = score;
        bestRank = r;
      }
    }
    return best;
  };
  return {
    name,
    decide(view) {
      const elapsed = view.now - view.startedAt;
      const found = stages.findIndex((s) => s.untilMs === undefined || elapsed < s.untilMs);
      // Past the last window's end, the last window stays open until the deadline.
      const index = found === -1 ? stages.length - 1 : found;
      const okScores = view.scores.filter((s): s is OkScore => s.ok);
      const atDeadline = view.now >= view.deadline;
      // Before the deadline, only the current window counts. At the deadline no later window
      // will open, so the windows still to come count too, in their order: the request is
      // answered with the best usable score rather than failed with a score in hand.
      const open = atDeadline ? stages.length : index + 1;
      for (let i = index; i < open; i++) {
        const best = bestIn(stages[i]!, okScores);
        if (best) {
          const when = atDeadline ? ', deadline reached' : '';
          return {
            action: 'answer',
            score: best,
            reason: `staged: ${modelKey(best.model)} in window ${i + 1}${when}`,
          };
        }
      }
      // Every live model has reported and no score is acceptable now or in a later window:
      // nothing usable can come, so fail now rather than at the deadline.
      const reported = new Set(view.scores.map((s) => modelKey(s.model)));
      const pending = view.live.some((m) => !reported.has(modelKey(m)));
      const usableLater = stages.slice(index).some((st) => bestIn(st, okScores) !== undefined);
      if (!pending && !usableLater && view.live.length > 0 && view.scores.length > 0) {
        return {
          action: 'fail',
          reason: 'staged: every live model has reported and none is usable',
        };
      }
      const untilMs = found === -1 ? undefined : stages[index]!.untilMs;
      return untilMs === undefined
        ? { action: 'wait' }
        : { action: 'wait', wakeAt: view.startedAt + untilMs };
    },
  };
}
