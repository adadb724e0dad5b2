import { compareVersions, type ModelRef, modelKey } from '../model-ref.js';
import type { OkScore, PolicyDecision, PolicyView } from '../policy.js';

/**
 * Rank of a model: lower is better; `undefined` means the model is not acceptable.
 */
export type Rank = (model: ModelRef) => number | undefined;

/**
 * The decision shared by ranking policies: answer with the best-ranked successful score as soon
 * as no live model that has not reported yet could beat it. At the deadline, answer with the
 * best score there is. If every acceptable live model has reported and none succeeded, fail.
 *
 * @example
 * ```ts
 * const decide = (view: PolicyView) => decideByRank(view, (m) => (m.name === 'dt' ? 0 : 1), 'dt first');
 * ```
 */
export function decideByRank(view: PolicyView, rank: Rank, label: string): PolicyDecision {
  let best: OkScore | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  const reported = new Set<string>();
  for (const score of view.scores) {
    reported.add(modelKey(score.model));
    if (!score.ok) continue;
    const r = rank(score.model);
    if (r === undefined) continue;
    if (r < bestRank) {
      best = score;
      bestRank = r;
    }
  }
  let pendingBetter = 0;
  let pendingAcceptable = 0;
  for (const model of view.live) {
    if (reported.has(modelKey(model))) continue;
    const r = rank(model);
    if (r === undefined) continue;
    pendingAcceptable++;
    if (r < bestRank) pendingBetter++;
  }
  if (best && pendingBetter === 0) {
    const why = view.now >= view.deadline ? 'deadline reached' : 'no better live model pending';
    return { action: 'answer', score: best, reason: `${label}: ${modelKey(best.model)} (${why})` };
  }
  if (best && view.now >= view.deadline) {
    return {
      action: 'answer',
      score: best,
      reason: `${label}: best available at deadline ${modelKey(best.model)}`,
    };
  }
  if (!best && pendingAcceptable === 0 && view.live.length > 0 && view.scores.length > 0) {
    return { action: 'fail', reason: `${label}: every live model has reported and none succeeded` };
  }
  return { action: 'wait' };
}

/**
 * Orders model versions newest first by {@link compareVersions}, then by name: a total order, so
 * ranks never depend on the order in which models happen to be live or to have scored.
 *
 * @example
 * ```ts
 * [{ name: 'lr', version: '2' }, { name: 'dt', version: '10' }].sort(newestFirst); // dt@10, lr@2
 * ```
 */
export function newestFirst(a: ModelRef, b: ModelRef): number {
  return -compareVersions(a.version, b.version) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Ranks models by version, newest first, across every model name (the reference rule: one
 * ranking, not the newest version of each name), with the name breaking a tie. See
 * {@link compareVersions} for the version rule.
 *
 * @example
 * ```ts
 * const rank = rankByVersion(view); rank({ name: 'dt', version: '2' }); // 0 if newest
 * ```
 */
export function rankByVersion(view: PolicyView): Rank {
  const known = new Map<string, ModelRef>();
  for (const m of view.live) known.set(modelKey(m), m);
  for (const s of view.scores) known.set(modelKey(s.model), s.model);
  const ordered = [...known.values()].sort(newestFirst);
  const ranks = new Map(ordered.map((m, i) => [modelKey(m), i]));
  return (m) => ranks.get(modelKey(m));
}
