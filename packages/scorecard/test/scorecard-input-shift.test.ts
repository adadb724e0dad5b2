import { type Json, VirtualClock } from '@rendezvous-ml/core';
import { normal, seededRandom } from '@rendezvous-ml/test-kit';
import { describe, expect, it } from 'vitest';
import { Scorecard, type ScorecardAlarm } from '../src/index.js';
import { makeResult, ok } from './make-result.js';

const REFERENCE = 1_000;
/** One result per 100 ms of virtual time: the 1 m window holds 600 results. */
const STEP_MS = 100;
const MIN_SAMPLES = 200;
/** The stated bound: a 1σ shift of one feature raises its alarm within this many requests. */
const WITHIN = 250;

type Input = { readonly x: number; readonly y: number; readonly color: string };

function iris(random: () => number, shiftX: number): Input {
  const r = random();
  return {
    x: 5 + normal(random) + shiftX,
    y: 3 + 0.5 * normal(random),
    color: r < 0.5 ? 'red' : r < 0.8 ? 'green' : 'blue',
  };
}

/** Feeds the reference window, then `requests` more, snapshotting every 50 (every 5 s). */
async function run(seed: number, requests: number, shiftX: number) {
  const clock = new VirtualClock(0);
  const scorecard = new Scorecard({
    clock,
    snapshotIntervalMs: 5_000,
    shiftReference: { results: REFERENCE },
    alarms: { minSamples: MIN_SAMPLES, inputPsiAbove: 0.25 },
  });
  const alarms: { readonly after: number; readonly alarm: ScorecardAlarm }[] = [];
  let sent = 0;
  scorecard.alarm$.subscribe((alarm) => alarms.push({ after: sent, alarm }));
  await scorecard.start();
  const random = seededRandom(seed);
  const label = (input: Input) => (input.x > 5 ? 1 : 0);
  for (let i = 0; i < REFERENCE + requests; i++) {
    const input = iris(random, i < REFERENCE ? 0 : shiftX);
    scorecard.record(
      makeResult({
        candidates: [ok('dt@1', label(input))],
        chosen: 'dt@1',
        input: input as unknown as Json,
      }),
    );
    if (i >= REFERENCE) sent++;
    await clock.advance(STEP_MS);
  }
  await scorecard.stop();
  return alarms;
}

describe('Scorecard input shift', () => {
  it(`raises input-shift on the feature that moved (x, by 1σ) within ${WITHIN} requests`, async () => {
    const alarms = await run(11, 1_000, 1);
    const input = alarms.filter((a) => a.alarm.kind === 'input-shift');
    expect(input.length).toBeGreaterThan(0);
    const first = input[0]!;
    expect(first.after).toBeLessThanOrEqual(WITHIN);
    expect(first.alarm).toMatchObject({ state: 'firing', feature: 'x', threshold: 0.25 });
    expect(first.alarm.sampleSize).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(first.alarm.value).toBeGreaterThan(0.25);
    // Only x moved: y and color never fire.
    expect(new Set(input.map((a) => a.alarm.feature))).toEqual(new Set(['x']));
  });

  it('raises no alarm at all over 10,000 unshifted requests', async () => {
    const alarms = await run(12, 10_000, 0);
    expect(alarms).toEqual([]);
  }, 60_000);
});
