import {
  type Clock,
  PolicyController,
  type RendezvousResult,
  resolveStreams,
  type StreamNames,
  type Transport,
} from '@rendezvous-ml/core';
import type { Observable } from 'rxjs';
import { resultsFromStream } from './results-from-stream.js';
import type { RolloutControl } from './rollout-control.js';

/**
 * What a rollout runs with: the control channel, the front ends' results, and how to let go of
 * them.
 */
export interface RolloutConnection {
  readonly control: RolloutControl;
  readonly results: Observable<RendezvousResult>;
  close(): Promise<void>;
}

/**
 * Where a rollout meets the system on a transport that is already open: the control channel
 * (default `control`), the results stream (default `results`) and the rollout's own group of
 * it (default `rollout`).
 */
export interface RolloutEndpoints {
  /** Stream names, as every component takes them: `control` and `results` are used. */
  readonly streams?: Partial<StreamNames>;
  /** @deprecated Use `streams: { control }`. */
  readonly controlChannel?: string;
  /** @deprecated Use `streams: { results }`. */
  readonly resultsStream?: string;
  readonly resultsGroup?: string;
}

/**
 * Connects a rollout to the system on `transport`: core's `PolicyController` on the control
 * channel (started, so it knows the current version), and the results stream read in the
 * rollout's own group. `close()` stops the controller; the transport stays the caller's.
 *
 * @example
 * ```ts
 * const { control, results, close } = await connectRollout(transport, { resultsGroup: 'rollout' }, systemClock);
 * ```
 */
export async function connectRollout(
  transport: Transport,
  where: RolloutEndpoints,
  clock: Clock,
): Promise<RolloutConnection> {
  const streams = resolveStreams('rollout', where.streams, {
    control: { option: 'controlChannel', value: where.controlChannel },
    results: { option: 'resultsStream', value: where.resultsStream },
  });
  const controller = new PolicyController({ transport, clock, streams });
  await controller.start();
  return {
    control: controller,
    results: resultsFromStream(
      { transport, group: where.resultsGroup ?? 'rollout', streams },
      clock,
    ),
    close: () => controller.stop(),
  };
}
