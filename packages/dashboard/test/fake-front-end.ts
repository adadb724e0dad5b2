import type { Candidate, ModelRef, RendezvousResult, RendezvousStats } from '@rendezvous-ml/core';
import { Subject } from 'rxjs';
import type { DashboardFrontEnd } from '../src/index.js';

const ZERO: RendezvousStats = {
  inFlight: 0,
  openMailboxes: 0,
  answered: 0,
  failed: 0,
  deadlineExceeded: 0,
  overloaded: 0,
  lateScores: 0,
  orphanScores: 0,
  duplicateScores: 0,
  invalidScores: 0,
  resultsPublished: 0,
  resultPublishFailures: 0,
  replyChannelLosses: 0,
  invalidHeartbeats: 0,
};

/** A candidate: `ok('dt@1', 2, 5)`. */
export function ok(model: string, output: number, latencyMs = 1): Candidate {
  const [name = model, version = ''] = model.split('@');
  return { model: { name, version, instance: `${name}-i` }, status: 'ok', output, latencyMs };
}

let seq = 0;

/** A result answered by the first candidate. */
export function answered(
  candidates: readonly Candidate[],
  input: object = { x: 1 },
): RendezvousResult {
  const first = candidates[0];
  if (first?.status !== 'ok') throw new Error('the first candidate must be ok');
  return {
    requestId: `r${++seq}`,
    input: input as RendezvousResult['input'],
    status: 'answered',
    chosen: { model: first.model, output: first.output, latencyMs: first.latencyMs },
    candidates,
    late: [],
    decidedBy: { policy: 'test', reason: 'test', trigger: 'score' },
    startedAt: 0,
    decidedAt: 1,
    latencyMs: 1,
  };
}

/**
 * A front end the test drives by hand: its counters are set directly, results are pushed on
 * `results$`. Everything the dashboard reads is the public shape of a `Rendezvous`.
 */
export class FakeFrontEnd implements DashboardFrontEnd {
  readonly instanceId = 'fe-test';
  readonly results = new Subject<RendezvousResult>();
  readonly results$ = this.results.asObservable();
  counters: RendezvousStats = { ...ZERO };
  policyName = 'latestVersion';
  policyVersion: number | undefined = undefined;
  live: ModelRef[] = [{ name: 'dt', version: '1' }];
  failStats = false;
  readonly registry = { live: () => this.live };

  stats(): RendezvousStats {
    if (this.failStats) throw new Error('stats unavailable');
    return this.counters;
  }

  policy() {
    return { name: this.policyName, version: this.policyVersion };
  }

  add(changes: Partial<Record<keyof RendezvousStats, number>>): void {
    const next = { ...this.counters };
    for (const [k, v] of Object.entries(changes)) next[k as keyof RendezvousStats] += v;
    this.counters = next;
  }
}
