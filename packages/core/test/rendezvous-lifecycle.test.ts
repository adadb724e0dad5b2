import {
  ConfigurationError,
  DeadlineExceededError,
  first,
  ModelWorker,
  NotStartedError,
  Rendezvous,
  type RendezvousError,
  type RendezvousOptions,
  type RendezvousResult,
  TransportClosedError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it, vi } from 'vitest';
import { track } from './harness.js';
import { BrokerDownAtFirst, SlowConnect } from './transport-wrappers.js';

function echoWorker(transport: MemoryTransport, clock: VirtualClock): ModelWorker {
  return new ModelWorker({
    transport,
    clock,
    model: { name: 'echo', version: '1', instance: 'echo-1' },
    predict: (x) => x,
    heartbeatIntervalMs: 60_000,
  });
}

describe('Rendezvous lifecycle: start', () => {
  it('a start() that fails (broker not up) returns to new, and a second start() really starts', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker();
    const worker = echoWorker(new MemoryTransport({ broker }), clock);
    await worker.start();
    const transport = new BrokerDownAtFirst(new MemoryTransport({ broker }), 1);
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
    const failed = await rv.start().catch((e: unknown) => e);
    expect((failed as RendezvousError).code).toBe('CONNECTION_LOST');
    // Not started: the request is refused as such, not as "closed".
    await expect(rv.request(1)).rejects.toBeInstanceOf(NotStartedError);
    await rv.start();
    expect(transport.opened).toBe(1);
    const answer = track(rv.request(7), clock);
    await clock.tick();
    expect(answer.value?.chosen?.output).toBe(7);
    await rv.stop();
    await worker.stop();
  });

  it('concurrent start() calls share one start: one return address, all resolve when it is running', async () => {
    const clock = new VirtualClock(0);
    const transport = new SlowConnect(new MemoryTransport());
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
    const a = track(rv.start(), clock);
    const b = track(rv.start(), clock);
    await clock.tick();
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    transport.open();
    await clock.tick();
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    expect(transport.opened).toBe(1);
    const t = track(rv.request(1, { deadlineMs: 10 }), clock);
    await clock.advance(10);
    expect(t.error).toBeInstanceOf(DeadlineExceededError);
    await rv.stop();
  });

  it('concurrent start() calls that fail all reject, and the front end can start again', async () => {
    const clock = new VirtualClock(0);
    const transport = new BrokerDownAtFirst(new MemoryTransport(), 1);
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
    const [a, b] = await Promise.allSettled([rv.start(), rv.start()]);
    expect([a.status, b.status]).toEqual(['rejected', 'rejected']);
    await rv.start();
    expect(transport.opened).toBe(1);
    await rv.stop();
  });

  it('close(), the deprecated name of stop(), is the same stop', async () => {
    const rv = new Rendezvous({
      transport: new MemoryTransport(),
      policy: first(),
      discoveryMs: 0,
    });
    await rv.start();
    expect(rv.close()).toBe(rv.stop()); // the deprecated alias
    await rv.stop();
    await expect(rv.request(1)).rejects.toThrow('rendezvous is stopped');
  });

  it('close() during start wins: start() resolves, the front end stays closed and releases the address', async () => {
    const clock = new VirtualClock(0);
    const inner = new MemoryTransport();
    const transport = new SlowConnect(inner);
    const rv = new Rendezvous({ transport, policy: first(), clock });
    const starting = track(rv.start(), clock);
    const closing = track(rv.stop(), clock);
    transport.open();
    await clock.tick();
    expect(starting.state).toBe('resolved');
    expect(closing.state).toBe('resolved');
    const e = await rv.request(1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportClosedError);
    // A stopped front end stays stopped, and says what to do instead.
    await expect(rv.start()).rejects.toThrow(
      'rendezvous was stopped and cannot start again: create a new Rendezvous',
    );
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
    expect(clock.pendingTimers).toBe(0);
    await inner.close();
  });

  it('close() during model discovery wins: start() resolves at once and no timer is left', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 300 });
    const starting = track(rv.start(), clock);
    await clock.advance(50);
    expect(starting.state).toBe('pending');
    await rv.stop();
    await clock.tick();
    expect(starting.state).toBe('resolved');
    expect(starting.at).toBe(50);
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
    expect(clock.pendingTimers).toBe(0);
    await transport.close();
  });

  it('request() before start() rejects with NotStartedError, which says to await start()', async () => {
    const rv = new Rendezvous({ transport: new MemoryTransport(), policy: first() });
    const e = (await rv.request(1).catch((x: unknown) => x)) as RendezvousError;
    expect(e).toBeInstanceOf(NotStartedError);
    expect(e).toMatchObject({ code: 'NOT_STARTED', retryable: false });
    expect(e.message).toContain('await rendezvous.start()');
  });

  it('request() while start() is still running rejects with NotStartedError, not TransportClosedError', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 100 });
    const starting = rv.start();
    const e = (await rv.request(1).catch((x: unknown) => x)) as RendezvousError;
    expect(e.code).toBe('NOT_STARTED');
    expect(e.message).toContain('await rendezvous.start()');
    await clock.advance(100);
    await starting;
    await rv.stop();
  });
});

describe('Rendezvous: honest failures', () => {
  it('with no model live at all, the deadline error names the fix', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
    await rv.start();
    const t = track(rv.request(1, { deadlineMs: 100 }), clock);
    await clock.advance(100);
    const e = t.error as DeadlineExceededError;
    expect(e.code).toBe('DEADLINE_EXCEEDED');
    expect(e.message).toContain('no worker of any model answered a probe');
    expect(e.message).toContain('start a ModelWorker on the same transport and stream names');
    await rv.stop();
  });

  it('a request whose publish failed is recorded with trigger publish-failed, not deadline', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
    const results: RendezvousResult[] = [];
    rv.results$.subscribe((r) => results.push(r));
    await rv.start();
    await transport.close();
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
    expect(results).toHaveLength(1);
    expect(results[0]!.decidedBy.trigger).toBe('publish-failed');
    expect(results[0]!.decidedBy.reason).toContain('publish failed');
  });
});

describe('Rendezvous: long deadlines on the system clock', () => {
  it('a deadline of 2^31 ms or more does not fire after 1 ms: the request stays pending until it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const transport = new MemoryTransport();
      const rv = new Rendezvous({ transport, policy: first(), discoveryMs: 0 });
      await rv.start();
      const deadlineMs = 2 ** 31 + 5;
      const t = track(rv.request(1, { deadlineMs }));
      await vi.advanceTimersByTimeAsync(10);
      expect(t.state).toBe('pending');
      await vi.advanceTimersByTimeAsync(deadlineMs - 11);
      expect(t.state).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      expect((t.error as RendezvousError).code).toBe('DEADLINE_EXCEEDED');
      await rv.stop();
      await transport.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Rendezvous: options are checked at construction, and each error names the fix', () => {
  const transport = new MemoryTransport();
  const ok: RendezvousOptions = { transport, policy: first() };
  const cases: [string, unknown, RegExp][] = [
    ['no options', undefined, /pass an options object/],
    ['no transport', { policy: first() }, /transport is required.*MemoryTransport/],
    ['a transport without the Transport methods', { ...ok, transport: {} }, /transport.*publish/],
    ['no policy', { transport }, /policy is required.*latestVersion\(\)/],
    ['a policy without decide', { transport, policy: { name: 'x' } }, /policy\.decide/],
    ['a policy without a name', { transport, policy: { decide: () => ({}) } }, /policy\.name/],
    ['deadlineMs 0', { ...ok, deadlineMs: 0 }, /deadlineMs.*positive finite/],
    ['deadlineMs -1', { ...ok, deadlineMs: -1 }, /deadlineMs.*positive finite/],
    ['deadlineMs Infinity', { ...ok, deadlineMs: Infinity }, /deadlineMs.*positive finite/],
    ['deadlineMs NaN', { ...ok, deadlineMs: Number.NaN }, /deadlineMs.*positive finite/],
    ['deadlineMs a string', { ...ok, deadlineMs: '1000' }, /deadlineMs.*positive finite/],
    ['maxInFlight 0', { ...ok, maxInFlight: 0 }, /maxInFlight.*positive integer/],
    ['maxInFlight 1.5', { ...ok, maxInFlight: 1.5 }, /maxInFlight.*positive integer/],
    ['missedHeartbeats 0', { ...ok, missedHeartbeats: 0 }, /missedHeartbeats.*positive integer/],
    ['missedHeartbeats NaN', { ...ok, missedHeartbeats: Number.NaN }, /missedHeartbeats/],
    ['instanceId with a space', { ...ok, instanceId: 'front end' }, /instanceId.*spaces/],
    ['instanceId empty', { ...ok, instanceId: '' }, /instanceId.*non-empty/],
    ['random not a function', { ...ok, random: 0.5 }, /random.*function/],
    ['clock without setTimeout', { ...ok, clock: { now: () => 0 } }, /clock.*setTimeout/],
    ['discoveryMs -1', { ...ok, discoveryMs: -1 }, /discoveryMs.*0 disables/],
    ['discoveryMs Infinity', { ...ok, discoveryMs: Infinity }, /discoveryMs/],
    ['an empty stream name', { ...ok, streams: { requests: '' } }, /streams\.requests/],
  ];
  for (const [what, options, fix] of cases) {
    it(`rejects ${what} with ConfigurationError`, () => {
      let error: unknown;
      try {
        new Rendezvous(options as RendezvousOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as RendezvousError).code).toBe('INVALID_CONFIGURATION');
      expect((error as Error).message).toMatch(fix);
    });
  }

  it('accepts a long but finite deadline', () => {
    expect(() => new Rendezvous({ ...ok, deadlineMs: 2 ** 31 + 5 })).not.toThrow();
  });
});
