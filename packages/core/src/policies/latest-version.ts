import type { RendezvousPolicy } from '../policy.js';
import { decideByRank, rankByVersion } from './ranked.js';

/**
 * The reference implementation's rule, without its full-timeout wait: the highest model
 * version wins. It answers as soon as the highest live version has scored, and at the
 * deadline with the highest version that has.
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
