import type { ModelRef } from '@rendezvous-ml/core';
import type { PublishReport, RolloutControl, RolloutPolicySpec } from '../../src/index.js';

/**
 * A control channel in memory: each publish gets the next version and is "applied" at once by
 * one front end, unless `reject` or `failPublish` says otherwise. Records every spec and retire.
 */
export class FakeControl implements RolloutControl {
  version = 0;
  readonly published: { version: number; spec: RolloutPolicySpec }[] = [];
  readonly retired: ModelRef[] = [];
  /** The spec in force. */
  spec: RolloutPolicySpec | undefined;
  /** Returns a rejection reason for a spec the front end refuses. */
  reject: ((spec: RolloutPolicySpec) => string | undefined) | undefined;
  /** Publishes that throw, from the next one. */
  failPublish = 0;
  /** Called after each publish, with the version (to abort mid-rollout, say). */
  onPublish: ((version: number) => void) | undefined;

  async publish(spec: RolloutPolicySpec): Promise<PublishReport> {
    if (this.failPublish > 0) {
      this.failPublish--;
      throw new Error('control channel down');
    }
    const version = ++this.version;
    this.published.push({ version, spec });
    const reason = this.reject?.(spec);
    const report = { instance: 'fe-1', version, at: 0 };
    if (reason) return { version, applied: [], rejected: [{ ...report, reason }], elapsedMs: 1 };
    this.spec = spec;
    this.onPublish?.(version);
    return { version, applied: [{ ...report, policy: spec.policy }], rejected: [], elapsedMs: 1 };
  }

  async retire(model: ModelRef): Promise<void> {
    this.retired.push(model);
  }
}
