import type { ScorecardSnapshot } from '@rendezvous-ml/scorecard';
import type { GateFigures } from './rollout-gate.js';

/**
 * A stage's {@link GateFigures} from its scorecard's snapshot (its first window, since the stage
 * started): the candidate's figures, its agreement with the current version and the two p99s.
 *
 * @example
 * ```ts
 * const figures = gateFigures(stageScorecard.snapshot(), 'dt@2', 'dt@1', clock.now() - startedAt);
 * ```
 */
export function gateFigures(
  snapshot: ScorecardSnapshot,
  candidate: string,
  current: string,
  elapsedMs: number,
): GateFigures {
  const w = snapshot.windows[0];
  const c = w?.models.find((m) => m.model === candidate);
  const cur = w?.models.find((m) => m.model === current);
  const candidateP99Ms = c?.latencyMs?.p99 ?? null;
  const currentP99Ms = cur?.latencyMs?.p99 ?? null;
  const a = c?.agreement?.reference === current ? c.agreement : null;
  return {
    results: w?.results ?? 0,
    failed: w?.failed ?? 0,
    samples: c?.candidates ?? 0,
    chosenCandidate: c?.chosen ?? 0,
    chosenCurrent: cur?.chosen ?? 0,
    agreement: a
      ? {
          compared: a.compared,
          rate: a.compared > 0 ? a.rate : null,
          low: a.interval.low,
          high: a.interval.high,
        }
      : null,
    candidateP99Ms,
    currentP99Ms,
    p99Ratio:
      candidateP99Ms !== null && currentP99Ms !== null && currentP99Ms > 0
        ? candidateP99Ms / currentP99Ms
        : null,
    latencySamples: Math.min(c?.latencyMs?.count ?? 0, cur?.latencyMs?.count ?? 0),
    resultP99Ms: w?.latencyMs?.p99 ?? null,
    errorRate: c && c.candidates > 0 ? (c.errors + c.timeouts) / c.candidates : null,
    elapsedMs,
  };
}
