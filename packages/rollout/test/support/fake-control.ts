import type { ModelRef, PolicySpec, PublishReport } from '@rendezvous-ml/core';
import type { RolloutControl } from '../../src/index.js';

/**
 * A control channel in memory: each publish gets the next version and is "applied" at once by
 * one front end, unless `reject` or `failPublish` says otherwise. Records every spec and retire.
 */
export class FakeControl implements RolloutControl {
  version = 0;
  readonly published: { version: number; spec: PolicySpec }[] = [];
  /** Versions whose workers heard a retire (and left). */
  readonly retired: ModelRef[] = [];
  /** Every retire sent. */
  readonly retireCalls: ModelRef[] = [];
  /** The first retires are lost (no worker hears them). */
  lostRetires = 0;
  /** The spec in force, and its version (what the front ends run). */
  spec: PolicySpec | undefined;
  appliedVersion = 0;
  /** Returns a rejection reason for a spec the front end refuses. */
  reject: ((spec: PolicySpec) => string | undefined) | undefined;
  /** Publishes that no front end hears, from the next one (they keep the spec they run). */
  missed = 0;
  /** Publishes that throw, from the next one. */
  failPublish = 0;
  /** Called after each publish, with the version (to abort mid-rollout, say). */
  onPublish: ((version: number) => void) | undefined;

  async publish(spec: PolicySpec): Promise<PublishReport> {
    if (this.failPublish > 0) {
      this.failPublish--;
      throw new Error('control channel down');
    }
    const version = ++this.version;
    this.published.push({ version, spec });
    if (this.missed > 0) {
      this.missed--;
      return { version, applied: [], rejected: [], elapsedMs: 2000 };
    }
    const reason = this.reject?.(spec);
    const report = { instance: 'fe-1', version, policy: spec.policy, at: 0 };
    if (reason) return { version, applied: [], rejected: [{ ...report, reason }], elapsedMs: 1 };
    this.spec = spec;
    this.appliedVersion = version;
    this.onPublish?.(version);
    return { version, applied: [report], rejected: [], elapsedMs: 1 };
  }

  async retire(model: ModelRef): Promise<void> {
    this.retireCalls.push(model);
    if (this.lostRetires > 0) this.lostRetires--;
    else if (!this.retired.some((m) => m.name === model.name && m.version === model.version))
      this.retired.push(model);
  }
}
