import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { probeWindow } from '../src/probe-window.js';

describe('probeWindow', () => {
  it('probes again every step until it sent them all, and ends one step after the last', async () => {
    const clock = new VirtualClock(0);
    const probes: number[] = [];
    let ends = 0;
    let ended = false;
    const window = probeWindow(
      clock,
      3,
      100,
      () => probes.push(clock.now()),
      () => ends++,
    );
    void window.ended.then(() => (ended = true));
    await clock.advance(250);
    expect([probes, ended]).toEqual([[100, 200], false]);
    await clock.advance(50);
    expect([probes, ends, ended, clock.pendingTimers]).toEqual([[100, 200], 1, true, 0]);
    window.done();
    expect(ends).toBe(1);
  });

  it('ends at once on done, its timer cancelled', async () => {
    const clock = new VirtualClock(0);
    let probed = 0;
    let ends = 0;
    const window = probeWindow(
      clock,
      3,
      100,
      () => probed++,
      () => ends++,
    );
    await clock.advance(100);
    window.done();
    await window.ended;
    await clock.advance(1000);
    expect([probed, ends, clock.pendingTimers]).toEqual([1, 1, 0]);
  });
});
