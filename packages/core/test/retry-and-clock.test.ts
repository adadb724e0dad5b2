import {
  ConnectionLostError,
  InvalidInputError,
  retryWithBackoff,
  systemClock,
  VirtualClock,
} from '@rendezvous-ml/core';
import { DeadLetters } from '@rendezvous-ml/core/transport';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tapStream, track } from './harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** An operation that fails `failures` times with `error`, recording when it was called. */
function flaky(clock: VirtualClock, failures: number, error: Error = new ConnectionLostError('x')) {
  const calls: number[] = [];
  const op = async (): Promise<string> => {
    calls.push(clock.now());
    if (calls.length <= failures) throw error;
    return 'done';
  };
  return { op, calls };
}

describe('retryWithBackoff on virtual time', () => {
  it('retries retryable errors with doubling, jittered delays, then succeeds', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // jitter takes the lower half: delay × 0.5
    const clock = new VirtualClock(0);
    const { op, calls } = flaky(clock, 3);
    const result = track(retryWithBackoff(op, { clock, initialDelayMs: 100 }), clock);
    await clock.advance(1000);
    expect(result.value).toBe('done');
    expect(calls).toEqual([0, 50, 150, 350]);
  });

  it('never waits more than maxDelayMs (before jitter) between attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const clock = new VirtualClock(0);
    const { op, calls } = flaky(clock, 4);
    const result = track(
      retryWithBackoff(op, { clock, initialDelayMs: 100, maxDelayMs: 250, attempts: 5 }),
      clock,
    );
    await clock.advance(2000);
    expect(result.value).toBe('done');
    const gaps = calls.slice(1).map((t, i) => Math.round(t - calls[i]!));
    expect(gaps).toEqual([100, 200, 250, 250]);
  });

  it('spreads delays between half and all of the nominal delay', async () => {
    const clock = new VirtualClock(0);
    const { op, calls } = flaky(clock, 1);
    const result = track(retryWithBackoff(op, { clock, initialDelayMs: 100 }), clock);
    await clock.advance(49);
    expect(calls).toHaveLength(1);
    await clock.advance(51);
    expect(calls).toHaveLength(2);
    expect(result.value).toBe('done');
  });

  it('rethrows the last error after `attempts` tries', async () => {
    const clock = new VirtualClock(0);
    const last = new ConnectionLostError('still down');
    const { op, calls } = flaky(clock, 10, last);
    const result = track(retryWithBackoff(op, { clock, attempts: 3 }), clock);
    await clock.advance(10_000);
    expect(result.error).toBe(last);
    expect(calls).toHaveLength(3);
  });

  it('does not retry an error that is not retryable', async () => {
    const clock = new VirtualClock(0);
    const { op, calls } = flaky(clock, 10, new InvalidInputError('bad'));
    const result = track(retryWithBackoff(op, { clock }), clock);
    await clock.tick();
    expect(result.error).toBeInstanceOf(InvalidInputError);
    expect(calls).toEqual([0]);
    const plain = flaky(clock, 10, new Error('plain'));
    await expect(retryWithBackoff(plain.op, { clock })).rejects.toThrow('plain');
    expect(plain.calls).toHaveLength(1);
  });

  it('uses a custom isRetryable', async () => {
    const clock = new VirtualClock(0);
    const { op, calls } = flaky(clock, 1, new Error('plain'));
    const result = track(retryWithBackoff(op, { clock, isRetryable: () => true }), clock);
    await clock.advance(100);
    expect(result.value).toBe('done');
    expect(calls).toHaveLength(2);
  });

  it('gives up rather than wait past `until`', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const clock = new VirtualClock(0);
    const { op, calls } = flaky(clock, 10);
    const result = track(
      retryWithBackoff(op, { clock, initialDelayMs: 100, attempts: 10, until: 200 }),
      clock,
    );
    await clock.advance(1000);
    expect(result.error).toBeInstanceOf(ConnectionLostError);
    expect(calls).toEqual([0, 50, 150]); // the next wait (200 ms) would pass `until`
    expect(result.at).toBe(150);
  });
});

describe('VirtualClock', () => {
  it('runs due timers in time order (ties in scheduling order) and only when advanced', async () => {
    const clock = new VirtualClock(5);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 20);
    const cancelled = clock.setTimeout(() => log.push('never'), 15);
    cancelled.cancel();
    cancelled.cancel();
    expect(clock.pendingTimers).toBe(3);
    await clock.advance(14);
    expect(log).toEqual(['a@15']);
    expect(clock.now()).toBe(19);
    await clock.advance(100);
    expect(log).toEqual(['a@15', 'b@25', 'c@25']);
    expect(clock.now()).toBe(119);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs timers scheduled by timers, and lets promise chains settle between them', async () => {
    const clock = new VirtualClock(0);
    const log: number[] = [];
    clock.setTimeout(async () => {
      await Promise.resolve();
      await Promise.resolve();
      clock.setTimeout(() => log.push(clock.now()), 5);
    }, 10);
    await clock.advance(15);
    expect(log).toEqual([15]);
  });
});

describe('systemClock', () => {
  const MAX_NODE_DELAY = 2 ** 31 - 1;

  it('does not fire a delay of 2^31 ms or more early (Node would clamp it to 1 ms): it chains timers', () => {
    vi.useFakeTimers();
    try {
      const fired: number[] = [];
      const start = Date.now();
      systemClock.setTimeout(() => fired.push(Date.now() - start), 2 ** 31 + 10);
      vi.advanceTimersByTime(1000);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(MAX_NODE_DELAY - 1000);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(10);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(fired).toEqual([2 ** 31 + 10]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancels a chained timer in any link of the chain', () => {
    vi.useFakeTimers();
    try {
      let fired = false;
      const timer = systemClock.setTimeout(() => (fired = true), 3 * MAX_NODE_DELAY);
      vi.advanceTimersByTime(MAX_NODE_DELAY + 5); // now in the second link
      timer.cancel();
      vi.advanceTimersByTime(3 * MAX_NODE_DELAY);
      expect(fired).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('unrefs timers by default, and keeps the process alive for a keepAlive timer until it fires or is cancelled', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const quiet = systemClock.setTimeout(() => undefined, 60_000);
    expect(timers()).toBe(before);
    const alive = systemClock.setTimeout(() => undefined, 60_000, { keepAlive: true });
    expect(timers()).toBe(before + 1);
    alive.cancel();
    quiet.cancel();
    expect(timers()).toBe(before);
  });

  it("keeps a long keepAlive timer ref'd across the links of its chain", () => {
    vi.useFakeTimers();
    try {
      let fired = false;
      systemClock.setTimeout(() => (fired = true), MAX_NODE_DELAY + 100, { keepAlive: true });
      vi.advanceTimersByTime(MAX_NODE_DELAY);
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(100);
      expect(fired).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('DeadLetters', () => {
  it('counts a dead letter whose write failed, and never throws', async () => {
    const transport = new MemoryTransport();
    const dead = await tapStream(transport, 'dlq');
    const dlq = new DeadLetters(transport, 'dlq', 'test', new VirtualClock(7));
    const message = { source: 's', id: '1', payload: 'x' };
    await dlq.send(message, new InvalidInputError('bad'));
    await transport.close();
    await expect(dlq.send(message, new InvalidInputError('bad'))).resolves.toBeUndefined();
    expect(dlq.count).toBe(2);
    expect(dlq.failedWrites).toBe(1);
    expect(JSON.parse(dead[0]!.payload)).toEqual({
      v: 1,
      component: 'test',
      source: 's',
      id: '1',
      reason: { code: 'INVALID_INPUT', message: 'bad' },
      payload: 'x',
      at: 7,
    });
  });
});
