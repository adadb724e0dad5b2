import type { Candidate, Clock, PolicySpec, RendezvousResult } from '@rendezvous-ml/core';
import { seededRandom } from '@rendezvous-ml/test-kit';
import { Subject } from 'rxjs';
import type { FakeControl } from './fake-control.js';

/** How the candidate behaves: how often it agrees with the current version, its latency, errors. */
export interface CandidateBehaviour {
  readonly agree: number;
  readonly latencyMs: number;
  readonly errorRate: number;
}

export const GOOD: CandidateBehaviour = { agree: 1, latencyMs: 5, errorRate: 0 };

const identity = (key: string) => {
  const [name, version] = key.split('@') as [string, string];
  return { name, version, instance: `${name}-${version}-a` };
};

/** Which model answers a request under a spec (what the front end's policy would choose). */
function chosenUnder(spec: PolicySpec | undefined, current: string, draw: number): string {
  if (!spec) return current;
  if (spec.policy === 'shadow') return chosenUnder(spec.inner, current, draw);
  if (spec.policy === 'priority') return spec.order?.[0] ?? current;
  if (spec.policy !== 'split') return current;
  let left = draw * Object.values(spec.weights).reduce((a, b) => a + b, 0);
  for (const [model, w] of Object.entries(spec.weights)) {
    if (left < w) return model;
    left -= w;
  }
  return current;
}

/**
 * Results as the front ends would decide them under the spec the control holds: the current
 * version (5 ms, a label out of 3), the candidate (as `behaviour` says) and the kept models all
 * score; each result carries the control's version as `decidedBy.policyVersion`. `behaviour`
 * may be changed between ticks.
 */
export class SyntheticTraffic {
  readonly results$ = new Subject<RendezvousResult>();
  private readonly random: () => number;
  private seq = 0;
  emitted = 0;
  /** Front ends that never apply a version past this one. */
  stuckAt: number | undefined;

  constructor(
    private readonly control: FakeControl,
    private readonly clock: Clock,
    public behaviour: CandidateBehaviour,
    private readonly models: { candidate: string; current: string; keep?: readonly string[] },
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  /** Emits `n` results decided now. */
  emit(n: number): void {
    const { candidate, current, keep = [] } = this.models;
    const retired = this.control.retired.some((m) => `${m.name}@${m.version}` === current);
    for (let i = 0; i < n; i++) {
      const label = Math.floor(this.random() * 3);
      const b = this.behaviour;
      const candidates: Candidate[] = [];
      if (!retired)
        candidates.push({ model: identity(current), status: 'ok', output: label, latencyMs: 5 });
      const agrees = this.random() < b.agree;
      if (this.random() < b.errorRate)
        candidates.push({
          model: identity(candidate),
          status: 'error',
          error: { code: 'PREDICT_FAILED', message: 'boom' },
          latencyMs: b.latencyMs,
        });
      else
        candidates.push({
          model: identity(candidate),
          status: 'ok',
          output: agrees ? label : (label + 1) % 3,
          latencyMs: b.latencyMs,
        });
      for (const k of keep)
        candidates.push({ model: identity(k), status: 'ok', output: label, latencyMs: 2 });
      const wanted = chosenUnder(this.control.spec, current, this.random());
      const chosen =
        candidates.find(
          (c) => `${c.model.name}@${c.model.version}` === wanted && c.status === 'ok',
        ) ?? candidates.find((c) => c.status === 'ok');
      const now = this.clock.now();
      const base = {
        requestId: `r${++this.seq}`,
        input: { x: label },
        candidates,
        late: [],
        decidedBy: {
          policy: this.control.spec?.policy ?? 'none',
          reason: 'synthetic',
          trigger: 'score' as const,
          ...(this.control.appliedVersion > 0
            ? {
                policyVersion: Math.min(
                  this.control.appliedVersion,
                  this.stuckAt ?? Number.POSITIVE_INFINITY,
                ),
              }
            : {}),
        },
        startedAt: now - 6,
        decidedAt: now,
        latencyMs: 6,
      };
      this.emitted++;
      this.results$.next(
        chosen && chosen.status === 'ok'
          ? {
              ...base,
              status: 'answered',
              chosen: { model: chosen.model, output: chosen.output, latencyMs: chosen.latencyMs },
            }
          : { ...base, status: 'failed', error: { code: 'NO_USABLE_SCORE', message: 'none' } },
      );
    }
  }
}

/**
 * Runs `promise` on virtual time with steady traffic: `perTick` results every `tickMs`, until it
 * settles or `maxMs` of virtual time passed (then it throws).
 */
export async function driveWithTraffic<T>(
  promise: Promise<T>,
  clock: { advance(ms: number): Promise<void> },
  traffic: SyntheticTraffic,
  options: {
    perTick?: number;
    tickMs?: number;
    maxMs?: number;
    beforeTick?: (tick: number) => void;
  } = {},
): Promise<T> {
  let settled = false;
  let value: T | undefined;
  let failure: unknown;
  let failed = false;
  promise.then(
    (v) => {
      settled = true;
      value = v;
    },
    (e: unknown) => {
      settled = true;
      failed = true;
      failure = e;
    },
  );
  const tickMs = options.tickMs ?? 100;
  const maxTicks = Math.ceil((options.maxMs ?? 3_600_000) / tickMs);
  for (let tick = 0; !settled; tick++) {
    if (tick > maxTicks) throw new Error(`still running after ${options.maxMs} virtual ms`);
    options.beforeTick?.(tick);
    traffic.emit(options.perTick ?? 10);
    await clock.advance(tickMs);
  }
  if (failed) throw failure;
  return value as T;
}
