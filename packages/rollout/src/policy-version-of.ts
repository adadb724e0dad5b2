import type { RendezvousResult } from '@rendezvous-ml/core';

/**
 * The version of the policy that decided a result (`decidedBy.policyVersion`), or `undefined`
 * when the front end's policy was never set through versions (or the value is not a number, as
 * from a hand-made result).
 *
 * @example
 * ```ts
 * results$.pipe(filter((r) => policyVersionOf(r) === 3));
 * ```
 */
export function policyVersionOf(result: RendezvousResult): number | undefined {
  const v = result.decidedBy.policyVersion;
  return typeof v === 'number' ? v : undefined;
}
