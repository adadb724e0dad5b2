import { type IncomingMessage, NotStartedError } from '@rendezvous-ml/core';
import { decodeHeartbeat } from '@rendezvous-ml/core/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { after, track } from './harness.js';
import { workerRig } from './model-worker-rig.js';

function heartbeatKinds(messages: IncomingMessage[]): string[] {
  return messages.map((m) => {
    const hb = decodeHeartbeat(m.payload);
    return hb.ok ? hb.value.kind : 'invalid';
  });
}

describe('ModelWorker: lifecycle', () => {
  it('stop() during a slow start wins: start resolves, and the worker never joins nor heartbeats', async () => {
    const b = await workerRig((x) => x, {}, { start: false });
    const beats: IncomingMessage[] = [];
    b.caller.listen('heartbeats').subscribe((m) => beats.push(m));
    b.spy.beforeEnsureGroup = () => after(b.clock, 1000, undefined);
    const starting = track(b.worker.start(), b.clock);
    await b.clock.advance(10);
    const stopping = track(b.worker.stop(), b.clock);
    await b.clock.advance(1000);
    expect(starting.state).toBe('resolved');
    expect(stopping.state).toBe('resolved');
    await b.send('r');
    await b.clock.advance(5000);
    expect(b.spy.joins).toBe(0);
    expect(b.spy.ledger).toEqual([]);
    expect(b.scores).toEqual([]);
    expect(heartbeatKinds(beats)).toEqual([]);
    expect(b.eventsCompleted()).toBe(true);
    expect(b.clock.pendingTimers).toBe(0);
  });

  it('a start whose ensureGroup rejects leaves the worker restartable, and the retry serves', async () => {
    const b = await workerRig((x) => x, {}, { start: false });
    const beats: IncomingMessage[] = [];
    b.caller.listen('heartbeats').subscribe((m) => beats.push(m));
    let failures = 1;
    b.spy.beforeEnsureGroup = async () => {
      if (failures-- > 0) throw new Error('broker not ready');
    };
    await expect(b.worker.start()).rejects.toThrow('broker not ready');
    await b.clock.advance(5000);
    expect(heartbeatKinds(beats)).toEqual([]); // not half-started: no heartbeats
    await b.worker.start();
    await b.send('r');
    await b.clock.tick();
    expect(b.scores.map((s) => s.requestId)).toEqual(['r']);
    expect(heartbeatKinds(beats)[0]).toBe('alive');
    await b.worker.stop();
  });

  it('a start whose consume throws undoes what it set up, and can be retried', async () => {
    const b = await workerRig((x) => x, { heartbeatIntervalMs: 100 }, { start: false });
    const beats: IncomingMessage[] = [];
    b.caller.listen('heartbeats').subscribe((m) => beats.push(m));
    const consume = b.spy.consume.bind(b.spy);
    b.spy.consume = () => {
      throw new Error('no consumer');
    };
    await expect(b.worker.start()).rejects.toThrow('no consumer');
    await b.clock.advance(500);
    expect(heartbeatKinds(beats)).toEqual([]);
    b.spy.consume = consume;
    await b.worker.start();
    await b.send('r');
    await b.clock.tick();
    expect(b.scores.map((s) => s.requestId)).toEqual(['r']);
    await b.worker.stop();
  });

  it('start() called twice while starting joins the group once', async () => {
    const b = await workerRig((x) => x, {}, { start: false });
    b.spy.beforeEnsureGroup = () => after(b.clock, 100, undefined);
    const first = track(b.worker.start(), b.clock);
    const second = track(b.worker.start(), b.clock);
    await b.clock.advance(100);
    expect([first.state, second.state]).toEqual(['resolved', 'resolved']);
    await b.send('r');
    await b.clock.tick();
    expect(b.spy.joins).toBe(1);
    expect(b.spy.ledger).toHaveLength(1);
    expect(b.scores).toHaveLength(1);
    await b.worker.stop();
  });

  it('stop() twice resolves both calls once the worker has left', async () => {
    const b = await workerRig((x) => after(b.clock, 50, x));
    await b.send('r');
    await b.clock.tick();
    const one = track(b.worker.stop(), b.clock);
    const two = track(b.worker.stop(), b.clock);
    await b.clock.advance(49);
    expect([one.state, two.state]).toEqual(['pending', 'pending']);
    await b.clock.advance(1);
    expect([one.state, two.state]).toEqual(['resolved', 'resolved']);
  });

  it('stop() during a start whose ensureGroup then fails still wins: start resolves, nothing joined', async () => {
    const b = await workerRig((x) => x, {}, { start: false });
    b.spy.beforeEnsureGroup = async () => {
      await after(b.clock, 100, undefined);
      throw new Error('broker not ready');
    };
    const starting = track(b.worker.start(), b.clock);
    const stopping = track(b.worker.stop(), b.clock);
    await b.clock.advance(100);
    expect([starting.state, stopping.state]).toEqual(['resolved', 'resolved']);
    await b.send('r');
    await b.clock.advance(1000);
    expect(b.spy.joins).toBe(0);
    expect(b.eventsCompleted()).toBe(true);
    await expect(b.worker.start()).rejects.toBeInstanceOf(NotStartedError);
  });

  it('stop() is idempotent: every call returns the same promise, before, during and after the drain', async () => {
    const b = await workerRig((x) => after(b.clock, 50, x));
    await b.send('r');
    await b.clock.tick();
    const first = b.worker.stop();
    expect(b.worker.stop()).toBe(first);
    await b.clock.advance(50);
    await first;
    expect(b.worker.stop()).toBe(first);
    expect(b.events.filter((e) => e.type === 'draining')).toHaveLength(1);
  });

  it.each([
    ['running', { start: true }],
    ['never started', { start: false }],
  ])('start() after stop() (%s) rejects with NotStartedError naming the fix', async (_, rig) => {
    const b = await workerRig((x) => x, {}, rig);
    await b.worker.stop();
    const error = await b.worker.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotStartedError);
    expect(error).toMatchObject({
      code: 'NOT_STARTED',
      retryable: false,
      message: 'worker m@1 was stopped and cannot start again: create a new ModelWorker',
    });
    expect(b.spy.joins).toBe(rig.start ? 1 : 0);
  });
});

describe('ModelWorker: no unhandled rejections', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('keeps running its timers when broadcast throws synchronously', async () => {
    const b = await workerRig((x) => x, { heartbeatIntervalMs: 100 }, { start: false });
    b.spy.broadcast = () => {
      throw new Error('socket gone');
    };
    await b.worker.start();
    await b.clock.advance(500);
    await b.caller.broadcast('heartbeats', JSON.stringify({ v: 1, kind: 'probe', ts: 0 }));
    await b.clock.tick();
    await b.send('r');
    await b.clock.tick();
    expect(b.scores).toHaveLength(1);
    await b.worker.stop();
    expect(unhandled).toEqual([]);
  });

  it('rejects nothing unhandled when its transport is closed under it, and stop() still ends', async () => {
    const b = await workerRig((x) => after(b.clock, 100, x), {
      heartbeatIntervalMs: 100,
      replyRetry: { attempts: 2 },
    });
    await b.send('a');
    await b.send('b');
    await b.clock.advance(10);
    await b.spy.close();
    await b.caller.broadcast('heartbeats', JSON.stringify({ v: 1, kind: 'probe', ts: 0 }));
    await b.clock.advance(1000);
    const stopping = track(b.worker.stop(), b.clock);
    await b.clock.advance(1000);
    expect(stopping.state).toBe('resolved');
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(b.events.some((e) => e.type === 'error')).toBe(true);
  });
});
