import type { ModelRef, PolicyController, PolicySpec, PublishReport } from '@rendezvous-ml/core';
import type { RolloutControl } from '@rendezvous-ml/rollout';
import type { ProcessCpu } from './process-cpu.js';

/** One publish as the harness saw it: its version, when it started, its CPU reading. */
export interface Published {
  readonly version: number;
  readonly startedAt: number;
  readonly elapsedMs: number;
  readonly cpu: number;
}

/**
 * The controller as the Rollout sees it, timing each publish (into `published`), sampling the
 * system's CPU when it starts, and noting when the first retire was sent.
 *
 * @example
 * ```ts
 * const control = timedControl(controller, cpu, published, retired);
 * new Rollout({ candidate: 'dt@2', current: 'dt@1', control, results });
 * ```
 */
export function timedControl(
  controller: PolicyController,
  cpu: ProcessCpu,
  published: Published[],
  retired: { at?: number },
): RolloutControl {
  return {
    async publish(spec: PolicySpec, options): Promise<PublishReport> {
      const startedAt = Date.now();
      const at = cpu.total();
      const report = await controller.publish(spec, options);
      published.push({ version: report.version, startedAt, elapsedMs: report.elapsedMs, cpu: at });
      return report;
    },
    async retire(model: ModelRef): Promise<void> {
      retired.at ??= Date.now();
      await controller.retire(model);
    },
  };
}
