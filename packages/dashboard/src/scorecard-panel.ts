import type { ScorecardSnapshot } from '@rendezvous-ml/scorecard';
import type { DashboardPoint, DashboardSnapshot } from './dashboard-snapshot.js';

/** A number JSON can carry (`NaN` and infinities become `null`). */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The parts of a point that come from the scorecard. */
export type ScorecardPoint = Pick<
  DashboardPoint,
  'latency' | 'agreement' | 'outputShift' | 'inputShift'
>;

/** No scorecard, or none yet. */
export const EMPTY_SCORECARD_POINT: ScorecardPoint = {
  latency: {},
  agreement: {},
  outputShift: {},
  inputShift: {},
};

/**
 * The scorecard window the dashboard shows (`name`, else the first), as the snapshot's panel
 * and as the scorecard part of a time-series point.
 *
 * @example
 * ```ts
 * const { panel, point } = scorecardPanel(scorecard.snapshot(), '1m');
 * ```
 */
export function scorecardPanel(
  snapshot: ScorecardSnapshot,
  name: string | undefined,
): { panel: DashboardSnapshot['scorecard']; point: ScorecardPoint } {
  const window =
    (name === undefined ? undefined : snapshot.windows.find((w) => w.window === name)) ??
    snapshot.windows[0];
  if (!window) return { panel: null, point: EMPTY_SCORECARD_POINT };
  const latency: Record<string, { p50: number; p95: number; p99: number }> = {};
  const agreement: Record<string, { rate: number | null; low: number; high: number }> = {};
  const outputShift: Record<string, number | null> = {};
  const inputShift: Record<string, number | null> = {};
  for (const m of window.models) {
    if (m.latencyMs)
      latency[m.model] = { p50: m.latencyMs.p50, p95: m.latencyMs.p95, p99: m.latencyMs.p99 };
    if (m.agreement)
      agreement[m.model] = {
        rate: finiteOrNull(m.agreement.rate),
        low: m.agreement.interval.low,
        high: m.agreement.interval.high,
      };
    if (m.outputShift) outputShift[m.model] = finiteOrNull(m.outputShift.psi);
  }
  for (const f of window.inputShift) inputShift[f.feature] = finiteOrNull(f.psi);
  return {
    panel: {
      at: snapshot.at,
      window: window.window,
      reference: snapshot.reference,
      shiftReference: snapshot.shiftReference,
      results: window.results,
      models: window.models,
      inputShift: window.inputShift,
    },
    point: { latency, agreement, outputShift, inputShift },
  };
}
