import { populationStabilityIndex } from './population-stability-index.js';
import type {
  FeatureShift,
  ModelFigures,
  ShiftFigure,
  WindowFigures,
} from './scorecard-snapshot.js';
import type { ShiftReference } from './shift-reference.js';
import { pairKey, type Tally } from './tally.js';
import { wilsonInterval } from './wilson-interval.js';

/** What a window is, for {@link windowFigures}. */
export interface WindowFrame {
  readonly window: string;
  readonly durationMs: number | null;
  readonly from: number;
  readonly to: number;
}

const sum = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0);
const rate = (n: number, d: number) => (d > 0 ? n / d : 0);

function shift(
  expected: readonly number[],
  actual: readonly number[] | undefined,
): ShiftFigure | null {
  if (!actual) return null;
  const samples = sum(actual);
  return samples > 0 ? { psi: populationStabilityIndex(expected, actual), samples } : null;
}

/** The figures of one window from the sum of its buckets. */
export function windowFigures(
  frame: WindowFrame,
  tally: Tally,
  reference: string | undefined,
  shiftReference: ShiftReference | undefined,
): WindowFigures {
  const models: ModelFigures[] = [...tally.models.keys()].sort().map((model) => {
    const m = tally.models.get(model)!;
    const pair =
      reference && reference !== model ? tally.pairs.get(pairKey(model, reference)) : undefined;
    const expected = shiftReference?.outputs[model];
    return {
      model,
      candidates: m.candidates,
      chosen: m.chosen,
      ok: m.ok,
      errors: m.errors,
      timeouts: m.timeouts,
      late: m.late,
      errorRate: rate(m.errors, m.candidates),
      timeoutRate: rate(m.timeouts, m.candidates),
      latencyMs: m.latency.summary(),
      agreement:
        reference && pair && pair.compared > 0
          ? {
              reference,
              compared: pair.compared,
              agreed: pair.agreed,
              rate: pair.agreed / pair.compared,
              interval: wilsonInterval(pair.agreed, pair.compared),
            }
          : null,
      outputShift: expected ? shift(expected.counts, m.outputs) : null,
    };
  });
  const inputShift: FeatureShift[] = [];
  for (const [feature, expected] of Object.entries(shiftReference?.inputs ?? {})) {
    const figure = shift(expected.counts, tally.inputs.get(feature));
    if (figure) inputShift.push({ feature, ...figure });
  }
  return {
    ...frame,
    results: tally.results,
    answered: tally.answered,
    failed: tally.failed,
    latencyMs: tally.latency.summary(),
    models,
    inputShift,
  };
}
