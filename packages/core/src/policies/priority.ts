import { type ModelRef, matchesSelector } from '../model-ref.js';
import type { RendezvousPolicy } from '../policy.js';
import { decideByRank, newestFirst, rankByVersion } from './ranked.js';

/**
 * Options of {@link priority}.
 *
 * @example
 * ```ts
 * const opts: PriorityOptions = { order: ['dt', 'lr'] };
 * ```
 */
export interface PriorityOptions {
  /**
   * Model selectors, best first: `'name'` (every version) or `'name@version'`. Models not
   * listed rank after the listed ones, newest version first. Without `order`, models rank by
   * version, newest first.
   */
  readonly order?: readonly string[];
  /** Accept only the models named in `order`. Default `false`. */
  readonly only?: boolean;
}

/**
 * Answers as soon as the best model that can still answer has answered; at the deadline,
 * answers with the best score it has.
 *
 * @example
 * ```ts
 * new Rendezvous({ transport, policy: priority({ order: ['dt', 'lr'] }) });
 * ```
 */
export function priority(options: PriorityOptions = {}): RendezvousPolicy {
  const order = options.order;
  if (!order || order.length === 0) {
    return {
      name: 'priority(version)',
      decide: (view) => decideByRank(view, rankByVersion(view), 'priority'),
    };
  }
  const name = `priority(${order.join(' > ')})`;
  const rankOf = (
    model: ModelRef,
    unlistedBase: number,
    byVersion: readonly ModelRef[],
  ): number | undefined => {
    const i = order.findIndex((sel) => matchesSelector(model, sel));
    if (i >= 0) return i;
    if (options.only) return undefined;
    return (
      unlistedBase +
      byVersion.findIndex((m) => m.name === model.name && m.version === model.version)
    );
  };
  return {
    name,
    decide(view) {
      const unlisted = [...view.live, ...view.scores.map((s) => s.model)]
        .filter((m) => !order.some((sel) => matchesSelector(m, sel)))
        .sort(newestFirst);
      return decideByRank(view, (m) => rankOf(m, order.length, unlisted), 'priority');
    },
  };
}
