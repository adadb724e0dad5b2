import { VirtualClock } from '@rendezvous-ml/core';
import { backoffDelayMs, settleWithin, sleep, WakeablePause } from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

describe('backoffDelayMs', () => {
  it('starts at initialMs, doubles, and stays at maxMs', () => {
    const delays = [1, 2, 3, 4, 5, 50, 5000].map((n) =>
      backoffDelayMs(n, { initialMs: 100, maxMs: 1000 }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoffDelayMs(0)).toBe(50);
  });
});

describe('WakeablePause', () => {
  it('ends on wake or when its delay passes on the clock, whichever is first', async () => {
    const clock = new VirtualClock(0);
    const pause = new WakeablePause(clock);
    let woke = false;
    void pause.pause(500).then(() => (woke = true));
    await clock.advance(499);
    expect(woke).toBe(false);
    await clock.advance(1);
    expect(woke).toBe(true);

    let early = false;
    void pause.pause(500).then(() => (early = true));
    pause.wake();
    await clock.tick();
    expect(early).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('without a delay, waits for wake only', async () => {
    const clock = new VirtualClock(0);
    const pause = new WakeablePause(clock);
    let woke = false;
    void pause.pause().then(() => (woke = true));
    await clock.advance(1_000_000);
    expect(woke).toBe(false);
    pause.wake();
    await clock.tick();
    expect(woke).toBe(true);
  });
});

describe('sleep and settleWithin', () => {
  it('run on the clock', async () => {
    const clock = new VirtualClock(0);
    let slept = false;
    void sleep(100, clock).then(() => (slept = true));
    await clock.advance(100);
    expect(slept).toBe(true);

    const never = new Promise<void>(() => undefined);
    const gaveUp = settleWithin(never, 2000, clock);
    await clock.advance(2000);
    expect(await gaveUp).toBe(false);
    expect(await settleWithin(Promise.reject(new Error('x')), 2000, clock)).toBe(true);
  });
});
