import { priority, type RendezvousPolicy, shadow, split } from '@rendezvous-ml/core';
import type { RolloutPolicySpec } from '../../src/index.js';

/** Builds a spec with core's policies, as a front end would (throws on what they refuse). */
export function buildSpec(spec: RolloutPolicySpec): RendezvousPolicy {
  if (spec.policy === 'priority')
    return priority({
      ...(spec.order ? { order: spec.order } : {}),
      ...(spec.only === undefined ? {} : { only: spec.only }),
    });
  if (spec.policy === 'split')
    return split(spec.weights, spec.fallback ? { fallback: spec.fallback } : {});
  return shadow(buildSpec(spec.inner), spec.models);
}
