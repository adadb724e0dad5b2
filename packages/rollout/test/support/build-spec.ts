import { type PolicySpec, policyFromSpec, type RendezvousPolicy } from '@rendezvous-ml/core';

/** Builds a spec as a front end would, with core's policyFromSpec (throws on what it refuses). */
export function buildSpec(spec: PolicySpec): RendezvousPolicy {
  return policyFromSpec(spec);
}
