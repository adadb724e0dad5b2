import { wilsonInterval } from '@rendezvous-ml/scorecard';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, evaluateGate, type GateFigures } from '../src/index.js';

const gate = { ...DEFAULT_GATE, minSamples: 100, maxFailedRate: 0, p99MinSamples: 100 };

function figures(agreed: number, compared: number, extra: Partial<GateFigures> = {}): GateFigures {
  const i = wilsonInterval(agreed, compared);
  return {
    results: compared,
    failed: 0,
    samples: compared,
    chosenCandidate: 0,
    chosenCurrent: compared,
    agreement: { compared, rate: agreed / compared, low: i.low, high: i.high },
    candidateP99Ms: 5,
    currentP99Ms: 5,
    p99Ratio: 1,
    latencySamples: compared,
    resultP99Ms: 6,
    errorRate: 0,
    elapsedMs: 1000,
    ...extra,
  };
}

describe('evaluateGate', () => {
  it('waits for minSamples before judging anything, even clearly bad figures', () => {
    expect(evaluateGate(figures(10, 99, { errorRate: 0.5 }), gate)).toEqual({
      verdict: 'pending',
      reasons: ['99/100 samples'],
    });
  });

  it('says so when the candidate scored none of the results (no worker of it)', () => {
    const f = { ...figures(0, 0), results: 150, samples: 0, agreement: null };
    expect(evaluateGate(f, gate)).toEqual({
      verdict: 'pending',
      reasons: ['the candidate scored none of 150 results: is a worker of it running?'],
    });
  });

  it('holds on the lower bound of the agreement interval, not on the rate', () => {
    // 100/100 agree: lower bound 0.963 >= 0.95.
    expect(evaluateGate(figures(100, 100), gate).verdict).toBe('hold');
    // 97/100 agree: rate 0.97 but lower bound 0.915 — not enough evidence yet, and not a failure.
    const v = evaluateGate(figures(97, 100), gate);
    expect(v.verdict).toBe('pending');
    expect(v.reasons[0]).toMatch(/^agreement lower bound 0\.91\d* < 0\.95 \(n=100\)/);
    // The same rate on 2000 samples: the interval is narrow enough.
    expect(evaluateGate(figures(1940, 2000), gate).verdict).toBe('hold');
  });

  it('fails when even the upper bound of the agreement is below the threshold', () => {
    const v = evaluateGate(figures(85, 100), gate);
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatch(/^agreement 0\.85 \[0\.76\d*, 0\.9\d*\] < 0\.95/);
  });

  it('fails on a failed request, the p99 ratio and the error rate, and lists every reason', () => {
    const v = evaluateGate(
      figures(100, 100, { failed: 1, p99Ratio: 2, candidateP99Ms: 10, errorRate: 0.02 }),
      gate,
    );
    expect(v.verdict).toBe('fail');
    expect(v.reasons).toEqual([
      'failed requests 0.01 > 0 (1/100)',
      'error rate 0.02 > 0.01',
      'p99 10 ms is 2× the current 5 ms > 1.5×',
    ]);
  });

  it('does not fail the p99 ratio on a difference within p99ToleranceMs', () => {
    const small = figures(100, 100, { candidateP99Ms: 3, currentP99Ms: 1.5, p99Ratio: 2 });
    expect(evaluateGate(small, gate).verdict).toBe('hold');
    expect(evaluateGate(small, { ...gate, p99ToleranceMs: 1 }).verdict).toBe('fail');
  });

  it('lets a p99 over its bound fail only on p99MinSamples scores; before, the gate waits', () => {
    const slow = figures(100, 100, { p99Ratio: 2, candidateP99Ms: 10 });
    expect(evaluateGate(slow, { ...gate, p99MinSamples: 1000 })).toEqual({
      verdict: 'pending',
      reasons: ['p99 10 ms is 2× the current 5 ms > 1.5× (on 100/1000 scores)'],
    });
    expect(
      evaluateGate({ ...slow, latencySamples: 1000 }, { ...gate, p99MinSamples: 1000 }).verdict,
    ).toBe('fail');
  });

  it('waits out minStageMs, and ignores thresholds set to null', () => {
    const slow = figures(100, 100, { p99Ratio: 9, errorRate: 0.9 });
    const lenient = { ...gate, maxP99Ratio: null, maxErrorRate: null, minStageMs: 5000 };
    expect(evaluateGate(slow, lenient)).toEqual({
      verdict: 'pending',
      reasons: ['1/5 s in the stage'],
    });
    expect(evaluateGate({ ...slow, elapsedMs: 5000 }, lenient).verdict).toBe('hold');
    expect(
      evaluateGate({ ...slow, agreement: null }, { ...lenient, minAgreement: null, minStageMs: 0 })
        .verdict,
    ).toBe('hold');
  });

  it('waits when the candidate was never compared with the current version', () => {
    expect(evaluateGate(figures(0, 100, { agreement: null }), gate)).toEqual({
      verdict: 'pending',
      reasons: ['0/100 compared with the current version'],
    });
  });
});
