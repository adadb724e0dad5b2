import type { ModelRef, PolicySpec, PublishOptions, PublishReport } from '@rendezvous-ml/core';

/**
 * What a rollout needs from the control channel: publish a policy spec to every front end, and
 * retire a model version (its workers drain). Core's `PolicyController` is one; a test can pass
 * its own.
 *
 * @example
 * ```ts
 * const control: RolloutControl = new PolicyController({ transport });
 * await control.publish({ policy: 'priority', order: ['dt@1'] }, { waitMs: 2000 });
 * ```
 */
export interface RolloutControl {
  publish(spec: PolicySpec, options?: PublishOptions): Promise<PublishReport>;
  retire(model: ModelRef): Promise<void>;
}
