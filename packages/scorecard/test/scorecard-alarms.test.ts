import { VirtualClock } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { Scorecard, type ScorecardAlarm, type ShiftReference } from '../src/index.js';
import { err, makeResult, ok, pending } from './make-result.js';

const only = { windows: [{ name: 'all' }], snapshotIntervalMs: 0 } as const;

function watch(scorecard: Scorecard): ScorecardAlarm[] {
  const alarms: ScorecardAlarm[] = [];
  scorecard.alarm$.subscribe((a) => alarms.push(a));
  return alarms;
}

describe('Scorecard alarms', () => {
  it('fires agreement below the threshold only from minSamples on, once, and clears when it recovers', () => {
    const scorecard = new Scorecard({
      ...only,
      clock: new VirtualClock(0),
      alarms: { minSamples: 50, agreementBelow: 0.9, outputPsiAbove: null },
    });
    const alarms = watch(scorecard);
    const record = (agree: boolean) =>
      scorecard.record(
        makeResult({ candidates: [ok('a@1', 1), ok('b@1', agree ? 1 : 2)], chosen: 'a@1' }),
      );
    let agreed = 0;
    let n = 0;
    const step = (agree: boolean) => {
      record(agree);
      n++;
      if (agree) agreed++;
      scorecard.snapshot();
    };
    for (let i = 0; i < 49; i++) step(false);
    expect(alarms).toEqual([]); // rate 0, but only 49 samples
    step(false);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      kind: 'agreement',
      state: 'firing',
      window: 'all',
      model: 'b@1',
      reference: 'a@1',
      sampleSize: 50,
      value: 0,
      threshold: 0.9,
    });
    expect(alarms[0]!.interval!.high).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) step(false);
    expect(alarms).toHaveLength(1); // no storm while it holds
    // Recover: the alarm clears on the first evaluation where agreed / n ≥ 0.9.
    while (alarms.length < 2) step(true);
    const clearedAt = n;
    const firstRecovered = (() => {
      for (let m = 151, k = 0; ; m++) if (++k / m >= 0.9) return m;
    })();
    expect(clearedAt).toBe(firstRecovered);
    expect(alarms[1]).toMatchObject({
      kind: 'agreement',
      state: 'cleared',
      sampleSize: n,
      value: agreed / n,
    });
  });

  it('fires error-rate and timeout-rate above their thresholds, with the evidence', () => {
    const scorecard = new Scorecard({
      ...only,
      clock: new VirtualClock(0),
      alarms: { minSamples: 20, errorRateAbove: 0.1, timeoutRateAbove: 0.2, agreementBelow: null },
    });
    const alarms = watch(scorecard);
    // b fails 3 in 20 (15% > 10%); c is pending 4 in 20 (20%, not above 20%).
    for (let i = 0; i < 20; i++)
      scorecard.record(
        makeResult({
          candidates: [
            ok('a@1', 1),
            i < 3 ? err('b@1') : ok('b@1', 1),
            i < 4 ? pending('c@1') : ok('c@1', 1),
          ],
          chosen: 'a@1',
        }),
      );
    scorecard.snapshot();
    expect(alarms).toEqual([
      {
        kind: 'error-rate',
        state: 'firing',
        at: 0,
        window: 'all',
        model: 'b@1',
        sampleSize: 20,
        value: 0.15,
        threshold: 0.1,
      },
    ]);
    scorecard.record(
      makeResult({ candidates: [ok('a@1', 1), ok('b@1', 1), pending('c@1')], chosen: 'a@1' }),
    );
    scorecard.snapshot(); // c: 5 of 21 > 0.2; b: 3 of 21 = 0.143, still firing (no repeat)
    expect(alarms.slice(1)).toEqual([
      {
        kind: 'timeout-rate',
        state: 'firing',
        at: 0,
        window: 'all',
        model: 'c@1',
        sampleSize: 21,
        value: 5 / 21,
        threshold: 0.2,
      },
    ]);
  });

  it('evaluates only the windows it is told to, and a null threshold turns an alarm off', () => {
    const scorecard = new Scorecard({
      clock: new VirtualClock(0),
      snapshotIntervalMs: 0,
      alarms: { minSamples: 5, windows: ['10m'], timeoutRateAbove: null },
    });
    const alarms = watch(scorecard);
    for (let i = 0; i < 10; i++)
      scorecard.record(
        makeResult({ candidates: [ok('a@1', 1), err('b@1'), pending('c@1')], chosen: 'a@1' }),
      );
    scorecard.snapshot();
    expect(alarms.map((a) => [a.kind, a.window, a.model])).toEqual([['error-rate', '10m', 'b@1']]);
  });

  it('fires output shift when a model’s output distribution moves against the first N results', () => {
    const scorecard = new Scorecard({
      ...only,
      clock: new VirtualClock(0),
      shiftReference: { results: 100 },
      alarms: { minSamples: 100, outputPsiAbove: 0.25, agreementBelow: null },
    });
    const alarms = watch(scorecard);
    // Reference: classes 0/1/2 as 50/30/20. Then 20/30/50.
    const classOf = (i: number, mix: readonly number[]) =>
      i % 10 < mix[0]! ? 0 : i % 10 < mix[0]! + mix[1]! ? 1 : 2;
    for (let i = 0; i < 100; i++)
      scorecard.record(makeResult({ candidates: [ok('a@1', classOf(i, [5, 3]))], chosen: 'a@1' }));
    expect(scorecard.snapshot().shiftReference).toEqual({ ready: true, results: 100 });
    for (let i = 0; i < 100; i++)
      scorecard.record(makeResult({ candidates: [ok('a@1', classOf(i, [2, 3]))], chosen: 'a@1' }));
    const s = scorecard.snapshot();
    const psi = [0.5, 0.3, 0.2].reduce((sum, e, k) => {
      const a = [0.2, 0.3, 0.5][k]!;
      return sum + (a - e) * Math.log(a / e);
    }, 0);
    const figure = s.windows[0]!.models[0]!.outputShift!;
    expect(figure.samples).toBe(100);
    expect(figure.psi).toBeCloseTo(psi, 9);
    expect(alarms).toEqual([
      {
        kind: 'output-shift',
        state: 'firing',
        at: 0,
        window: 'all',
        model: 'a@1',
        sampleSize: 100,
        value: figure.psi,
        threshold: 0.25,
      },
    ]);
  });

  it('exports the shift reference as JSON that another scorecard can start from', () => {
    const first = new Scorecard({
      ...only,
      clock: new VirtualClock(0),
      shiftReference: { results: 50 },
    });
    for (let i = 0; i < 50; i++)
      first.record(
        makeResult({
          candidates: [ok('a@1', i % 2)],
          chosen: 'a@1',
          input: { x: i, color: i % 3 ? 'red' : 'blue' },
        }),
      );
    const saved = JSON.parse(JSON.stringify(first.exportShiftReference())) as ShiftReference;
    expect(saved.results).toBe(50);
    expect(Object.keys(saved.inputs).sort()).toEqual(['color', 'x']);
    const second = new Scorecard({
      ...only,
      clock: new VirtualClock(0),
      shiftReference: { saved },
    });
    const shifted = (i: number) =>
      makeResult({
        candidates: [ok('a@1', 1)],
        chosen: 'a@1',
        input: { x: 25 + i / 2, color: 'red' },
      });
    for (let i = 0; i < 50; i++) {
      first.record(shifted(i));
      second.record(shifted(i));
    }
    // The same shift figures (the first also counted its reference window in its totals).
    const shiftOf = (sc: Scorecard) => {
      const w = sc.snapshot().windows[0]!;
      return { inputs: w.inputShift, output: w.models[0]!.outputShift };
    };
    expect(shiftOf(second)).toEqual(shiftOf(first));
    expect(
      second
        .snapshot()
        .windows[0]!.inputShift.map((f) => f.feature)
        .sort(),
    ).toEqual(['color', 'x']);
  });
});
