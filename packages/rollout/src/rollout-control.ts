import type { ModelRef } from '@rendezvous-ml/core';
import type { RolloutPolicySpec } from './rollout-policy-spec.js';

/**
 * What a front end reports on the control channel: the policy version it runs.
 *
 * @example
 * ```ts
 * const r: FrontEndPolicyReport = { instance: 'fe-1', version: 3, policy: 'split(dt@2:0.1,dt@1:0.9)', at: 1_700_000_000_000 };
 * ```
 */
export interface FrontEndPolicyReport {
  readonly instance: string;
  readonly version: number;
  readonly policy?: string;
  readonly reason?: string;
  readonly at: number;
}

/**
 * The outcome of publishing a spec: the version it was given, and the front ends that applied
 * or rejected it within the wait.
 *
 * @example
 * ```ts
 * const report: PublishReport = { version: 4, applied: [], rejected: [], elapsedMs: 12 };
 * ```
 */
export interface PublishReport {
  readonly version: number;
  readonly applied: readonly FrontEndPolicyReport[];
  readonly rejected: readonly FrontEndPolicyReport[];
  readonly elapsedMs: number;
}

/**
 * What a rollout needs from the control channel: publish a policy spec to every front end, and
 * retire a model version (its workers drain). Core's `PolicyController` is one.
 *
 * @example
 * ```ts
 * const control: RolloutControl = new PolicyController({ transport });
 * await control.publish({ policy: 'priority', order: ['dt@1'] }, { waitMs: 2000 });
 * ```
 */
export interface RolloutControl {
  publish(
    spec: RolloutPolicySpec,
    options?: { readonly waitMs?: number; readonly expect?: number },
  ): Promise<PublishReport>;
  retire(model: ModelRef): Promise<void>;
}
