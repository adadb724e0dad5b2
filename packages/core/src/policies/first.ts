import type { RendezvousPolicy } from '../policy.js';
import { decideByRank } from './ranked.js';

/**
 * Answers with the first successful score, whichever model sent it.
 *
 * @example
 * ```ts
 * new Rendezvous({ transport, policy: first() });
 * ```
 */
export function first(): RendezvousPolicy {
  // Every model has the same rank, so the earliest successful score wins at once.
  return { name: 'first', decide: (view) => decideByRank(view, () => 0, 'first') };
}
