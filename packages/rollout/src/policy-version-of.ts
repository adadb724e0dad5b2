import type { RendezvousResult } from '@rendezvous-ml/core';

/**
 * The version of the policy that decided a result (`decidedBy.policyVersion`), or `undefined`
 * when the front end's policy was never set through versions.
 *
 * @example
 * ```ts
 * results$.pipe(filter((r) => policyVersionOf(r) === 3));
 * ```
 */
export function policyVersionOf(result: RendezvousResult): number | undefined {
  const v = (result.decidedBy as { readonly policyVersion?: unknown }).policyVersion;
  return typeof v === 'number' ? v : undefined;
}
