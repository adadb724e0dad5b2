import type { RendezvousPolicy } from '../policy.js';
import { decideByRank, rankByVersion } from './ranked.js';

/**
 * The reference implementation's rule, without its full-timeout wait: the highest version
 * wins, ranked across every model name. It is one ranking of all models, not the newest
 * version of each name, and models of equal version rank by name: with `dt@1` in production
 * and `lr@2` as a challenger, `lr@2` answers (to rank by name first, use `priority({ order })`).
 * It answers as soon as the highest live version has scored, and at the deadline with the
 * highest version that has. Versions compare by {@link compareVersions}:
 * `2.0.0-rc1 < 2.0.0 < 10`.
 *
 * @example
 * ```ts
 * new Rendezvous({ transport, policy: latestVersion(), deadlineMs: 1000 });
 * ```
 */
export function latestVersion(): RendezvousPolicy {
  return {
    name: 'latestVersion',
    decide: (view) => decideByRank(view, rankByVersion(view), 'latestVersion'),
  };
}
