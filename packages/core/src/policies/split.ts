import { ConfigurationError } from '../errors.js';
import { type ModelRef, matchesSelector } from '../model-ref.js';
import type { RendezvousPolicy } from '../policy.js';
import { decideByRank, newestFirst } from './ranked.js';

/**
 * Options of {@link split}.
 *
 * @example
 * ```ts
 * const opts: SplitOptions = { fallback: ['dt', 'lr'] };
 * ```
 */
export interface SplitOptions {
  /** Fallback order (model selectors, best first) when the preferred model cannot answer. Default: newest version first. */
  readonly fallback?: readonly string[];
  /**
   * Accept only the models named in `weights` and `fallback`: any other live version is neither
   * waited for nor chosen, even at the deadline (a rollout's canary: a version it does not name
   * never answers). Default `false`.
   */
  readonly only?: boolean;
}

/**
 * Traffic splitting (a canary share): each request prefers one model, drawn by weight with the
 * request's random number. The request waits for its preferred model while it is alive, and
 * falls back by priority when it is not, or fails, or the deadline comes.
 *
 * @example
 * ```ts
 * // 10 % of requests are answered by the canary when it is healthy.
 * new Rendezvous({ transport, policy: split({ 'dt@2': 0.1, 'dt@1': 0.9 }) });
 * ```
 */
export function split(
  weights: Readonly<Record<string, number>>,
  options: SplitOptions = {},
): RendezvousPolicy {
  const entries = Object.entries(weights);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (
    entries.length === 0 ||
    entries.some(([, w]) => !(w >= 0) || !Number.isFinite(w)) ||
    !(total > 0)
  ) {
    throw new ConfigurationError(
      'split(weights): weights must be finite, non-negative and sum to more than 0',
    );
  }
  const fallback = options.fallback ?? [];
  const only = options.only === true;
  const name = `split(${entries.map(([k, w]) => `${k}:${w}`).join(',')}${only ? '; only' : ''})`;
  return {
    name,
    decide(view) {
      let draw = view.random * total;
      let preferred = entries[entries.length - 1]![0];
      for (const [selector, w] of entries) {
        if (draw < w) {
          preferred = selector;
          break;
        }
        draw -= w;
      }
      const others = [...view.live, ...view.scores.map((s) => s.model)].sort(newestFirst);
      const rank = (m: ModelRef): number | undefined => {
        if (matchesSelector(m, preferred)) return 0;
        const f = fallback.findIndex((sel) => matchesSelector(m, sel));
        if (f >= 0) return 1 + f;
        if (only)
          return entries.some(([sel]) => matchesSelector(m, sel)) ? 1 + fallback.length : undefined;
        return (
          1 +
          fallback.length +
          others.findIndex((o) => o.name === m.name && o.version === m.version)
        );
      };
      return decideByRank(view, rank, `${name} preferred ${preferred}`);
    },
  };
}
