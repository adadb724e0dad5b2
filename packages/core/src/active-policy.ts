import { ConfigurationError } from './errors.js';
import type { RendezvousPolicy } from './policy.js';
import { type PolicySpec, policyFromSpec, readPolicySpec } from './policy-spec.js';

/**
 * The policy a front end starts new requests with: the policy, its version (when it was given
 * one) and the spec it was built from (when it was built from one, so it can be re-sent to a
 * front end that asks).
 */
export interface ActivePolicy {
  readonly policy: RendezvousPolicy;
  readonly version: number | undefined;
  readonly spec: PolicySpec | undefined;
}

function isPolicy(value: unknown): value is RendezvousPolicy {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { decide?: unknown }).decide === 'function'
  );
}

/**
 * Turns what `setPolicy` is given into an {@link ActivePolicy}, checking everything first: a
 * spec is validated whole by `policyFromSpec`, a policy object must have a name, a version must
 * be an integer ≥ 0. Throws a `ConfigurationError` and builds nothing when any check fails.
 *
 * @example
 * ```ts
 * const active = toActivePolicy({ policy: 'quorum', k: 2 }, 5); // version 5, name 'quorum(2)'
 * ```
 */
export function toActivePolicy(
  policyOrSpec: RendezvousPolicy | PolicySpec,
  version: number | undefined,
): ActivePolicy {
  if (
    version !== undefined &&
    (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
  ) {
    throw new ConfigurationError(
      `setPolicy(): version must be an integer ≥ 0 (or omitted), got ${String(version)}`,
    );
  }
  if (isPolicy(policyOrSpec)) {
    if (typeof policyOrSpec.name !== 'string' || policyOrSpec.name === '')
      throw new ConfigurationError(
        'setPolicy(): policy.name must be a non-empty string (it is recorded in every result)',
      );
    return { policy: policyOrSpec, version, spec: undefined };
  }
  const spec = readPolicySpec(policyOrSpec);
  return { policy: policyFromSpec(spec), version, spec };
}
