import {
  ConfigurationError,
  DeadlineExceededError,
  first,
  InvalidInputError,
  latestVersion,
  ModelWorker,
  modelKey,
  NotStartedError,
  OverloadedError,
  priority,
  Rendezvous,
  type RendezvousError,
  type ScoreEnvelope,
  TransportClosedError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { decodeRequest, encodeEnvelope } from '@rendezvous-ml/core/wire';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { frontEndRig, type Script, tapStream, track } from './harness.js';

describe('Rendezvous: mailbox cleanup', () => {
  it('returns inFlight and openMailboxes to 0 after answers, failures and late scores, with one result per request', async () => {
    const b = await frontEndRig(priority({ order: ['a', 'b'] }), ['a@1', 'b@1']);
    const scripts: Script[] = [
      { 'a@1': { ms: 10 }, 'b@1': { ms: 20 } }, // answered, b late
      { 'b@1': { ms: 10 } }, // answered at the deadline
      {}, // deadline exceeded
      { 'a@1': { ms: 3, fail: 'x' }, 'b@1': { ms: 4, fail: 'y' } }, // no usable score
      { 'a@1': { ms: 1 }, 'b@1': { ms: 1 } }, // answered, b late at once
    ];
    const tracked = scripts.map((s) => track(b.rendezvous.request(s), b.clock));
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 5, openMailboxes: 5 });
    await b.clock.advance(1000);
    expect(tracked.map((t) => t.state)).toEqual([
      'resolved',
      'resolved',
      'rejected',
      'rejected',
      'resolved',
    ]);
    expect(b.rendezvous.stats()).toMatchObject({
      inFlight: 0,
      openMailboxes: 0,
      answered: 3,
      failed: 2,
      deadlineExceeded: 1,
      lateScores: 2,
    });
    expect(b.results).toHaveLength(5);
    expect(new Set(b.results.map((r) => r.requestId)).size).toBe(5);
    // The results carry the request ids the callers got.
    for (const t of tracked.filter((x) => x.state === 'resolved'))
      expect(b.results.map((r) => r.requestId)).toContain(t.value!.requestId);
    await b.close();
  });

  it('serves many concurrent requests, each answered with its own score (no lost answers)', async () => {
    const b = await frontEndRig(latestVersion(), []);
    await b.addWorker('m@1', { concurrency: 200 });
    const n = 200;
    const tracked = Array.from({ length: n }, (_, i) =>
      track(b.rendezvous.request({ 'm@1': { ms: 1 + (i % 7), out: i } }), b.clock),
    );
    await b.clock.advance(10);
    expect(tracked.map((t) => t.value?.chosen?.output)).toEqual(
      Array.from({ length: n }, (_, i) => i),
    );
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0, answered: n });
    expect(b.results).toHaveLength(n);
    await b.close();
  });
});

describe('Rendezvous: overload', () => {
  it('fails fast with a retryable OverloadedError at maxInFlight, and recovers when requests finish', async () => {
    const b = await frontEndRig(first(), ['a@1'], { maxInFlight: 2 });
    const one = track(b.rendezvous.request({ 'a@1': { ms: 50 } }), b.clock);
    const two = track(b.rendezvous.request({ 'a@1': { ms: 50 } }), b.clock);
    const rejected = await b.rendezvous.request({ 'a@1': { ms: 1 } }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(OverloadedError);
    expect(rejected).toMatchObject({ code: 'OVERLOADED', retryable: true, limit: 2 });
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 2, overloaded: 1 });
    await b.clock.advance(50);
    expect([one.state, two.state]).toEqual(['resolved', 'resolved']);
    const three = track(b.rendezvous.request({ 'a@1': { ms: 1 } }), b.clock);
    await b.clock.advance(1);
    expect(three.state).toBe('resolved');
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, overloaded: 1, answered: 3 });
    await b.close();
  });

  it('counts undecided requests only: a decided mailbox waiting for late scores does not hold a slot', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1'], { maxInFlight: 1 });
    const one = track(b.rendezvous.request({ 'a@1': { ms: 5 } }), b.clock);
    await b.clock.advance(5);
    expect(one.state).toBe('resolved');
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 1 });
    const two = track(b.rendezvous.request({ 'a@1': { ms: 5 } }), b.clock);
    await b.clock.advance(5);
    expect(two.state).toBe('resolved');
    await b.close();
  });
});

describe('Rendezvous: live model registry', () => {
  it('stops waiting for a worker that left gracefully and answers from the remaining model', async () => {
    const b = await frontEndRig(priority({ order: ['dt', 'lr'] }), ['dt@1', 'lr@1']);
    expect(b.rendezvous.registry.live().map(modelKey).sort()).toEqual(['dt@1', 'lr@1']);
    await b.workers.get('dt@1')!.worker.stop(); // idle: leaves at once
    await b.clock.tick();
    expect(b.rendezvous.registry.live().map(modelKey)).toEqual(['lr@1']);
    const t = track(b.rendezvous.request({ 'dt@1': { ms: 1 }, 'lr@1': { ms: 10 } }), b.clock);
    await b.clock.advance(10);
    expect(t.state).toBe('resolved');
    expect(modelKey(t.value!.chosen!.model)).toBe('lr@1');
    expect(t.value!.candidates.map((c) => modelKey(c.model))).toEqual(['lr@1']);
    await b.close();
  });

  it('a draining worker says it leaves first: requests are decided at once without it, and it still finishes what it started', async () => {
    const b = await frontEndRig(priority({ order: ['dt', 'lr'] }), ['lr@1']);
    await b.addWorker('dt@1', { concurrency: 1 });
    const dtEvents: string[] = [];
    b.workers.get('dt@1')!.worker.events$.subscribe((e) => dtEvents.push(e.type));
    const busy = track(b.rendezvous.request({ 'dt@1': { ms: 500 }, 'lr@1': { ms: 10 } }), b.clock);
    // dt is busy (concurrency 1): this one waits in dt's queue and will never start there.
    const queued = track(b.rendezvous.request({ 'dt@1': { ms: 1 }, 'lr@1': { ms: 10 } }), b.clock);
    await b.clock.advance(20);
    expect([busy.state, queued.state]).toEqual(['pending', 'pending']);
    const stopping = track(b.workers.get('dt@1')!.worker.stop(), b.clock);
    await b.clock.tick();
    // `leaving` came first: both are decided now with lr, not when dt has drained (t = 500).
    for (const t of [busy, queued]) {
      expect(t.at).toBe(20);
      expect(modelKey(t.value!.chosen!.model)).toBe('lr@1');
      expect(t.value!.decidedBy.trigger).toBe('registry');
    }
    expect(stopping.state).toBe('pending'); // dt still finishes the prediction it started
    await b.clock.advance(480);
    expect(stopping.state).toBe('resolved');
    expect(stopping.at).toBe(500);
    expect(dtEvents).toEqual(['draining', 'scored']);
    expect(b.calls.filter((c) => c === 'dt@1')).toHaveLength(1);
    await b.close();
  });

  it('when a model leaves mid-request, answers at once from the remaining model (trigger registry)', async () => {
    const b = await frontEndRig(priority({ order: ['dt', 'lr'] }), ['dt@1', 'lr@1']);
    // A second dt instance joins, takes the request, and leaves without answering: simulate it
    // with a raw "leaving" heartbeat of the only dt instance.
    const t = track(b.rendezvous.request({ 'lr@1': { ms: 10 } }), b.clock);
    await b.clock.advance(30);
    expect(t.state).toBe('pending');
    await b.transport.broadcast(
      'heartbeats',
      JSON.stringify({
        v: 1,
        kind: 'leaving',
        model: { name: 'dt', version: '1', instance: 'dt@1-a' },
        intervalMs: 1000,
        ts: 30,
      }),
    );
    await b.clock.tick();
    expect(t.state).toBe('resolved');
    expect(t.at).toBe(30);
    expect(modelKey(t.value!.chosen!.model)).toBe('lr@1');
    expect(t.value!.decidedBy.trigger).toBe('registry');
    await b.close();
  });

  it('stops waiting for a worker that goes silent for missedHeartbeats × interval', async () => {
    const b = await frontEndRig(priority({ order: ['dt', 'lr'] }), ['dt@1', 'lr@1'], {
      heartbeatIntervalMs: 100,
      missedHeartbeats: 3,
    });
    // dt's process dies: its transport closes, its heartbeats stop (last one at t=0).
    await b.workers.get('dt@1')!.transport.close();
    const t = track(b.rendezvous.request({ 'lr@1': { ms: 10 } }), b.clock);
    await b.clock.advance(299);
    expect(t.state).toBe('pending');
    expect(b.rendezvous.registry.live().map(modelKey)).toContain('dt@1');
    await b.clock.advance(1);
    expect(t.state).toBe('resolved');
    expect(t.at).toBe(300); // well before the 1000 ms deadline
    expect(modelKey(t.value!.chosen!.model)).toBe('lr@1');
    expect(t.value!.decidedBy.trigger).toBe('registry');
    expect(b.rendezvous.registry.live().map(modelKey)).toEqual(['lr@1']);
    await b.close();
  });

  it('keeps a worker that heartbeats on time alive past many intervals', async () => {
    const b = await frontEndRig(first(), ['a@1'], {
      heartbeatIntervalMs: 100,
      missedHeartbeats: 2,
    });
    await b.clock.advance(5000);
    expect(b.rendezvous.registry.live().map(modelKey)).toEqual(['a@1']);
    await b.close();
  });

  it('waits for a new model version that joins, without restarting the front end', async () => {
    const b = await frontEndRig(latestVersion(), ['dt@1']);
    const before = track(b.rendezvous.request({ 'dt@1': { ms: 5 }, 'dt@2': { ms: 30 } }), b.clock);
    await b.clock.advance(5);
    expect(modelKey(before.value!.chosen!.model)).toBe('dt@1');

    await b.addWorker('dt@2');
    expect(b.rendezvous.registry.live().map(modelKey).sort()).toEqual(['dt@1', 'dt@2']);
    const t = track(b.rendezvous.request({ 'dt@1': { ms: 5 }, 'dt@2': { ms: 30 } }), b.clock);
    await b.clock.advance(5);
    expect(t.state).toBe('pending'); // dt@1 answered, but dt@2 is newer and alive
    await b.clock.advance(25);
    expect(t.state).toBe('resolved');
    expect(modelKey(t.value!.chosen!.model)).toBe('dt@2');
    await b.close();
  });

  it('a front end started after the workers learns about them through its probe', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const worker = new ModelWorker({
      transport,
      clock,
      model: { name: 'a', version: '1', instance: 'a-1' },
      predict: (x) => x,
      heartbeatIntervalMs: 60_000,
    });
    await worker.start();
    await clock.tick();
    const rv = new Rendezvous({ transport, clock, policy: first(), discoveryMs: 300 });
    const starting = rv.start();
    await clock.advance(300); // the discovery window
    await starting;
    expect(rv.registry.live().map(modelKey)).toEqual(['a@1']);
    const t = track(rv.request(7), clock);
    await clock.tick();
    expect(t.value?.chosen?.output).toBe(7);
    await rv.stop();
    await worker.stop();
    await transport.close();
  });
});

describe('Rendezvous: input validation and lifecycle', () => {
  it('rejects inputs that are not JSON-serialisable, or undefined, with InvalidInputError', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad: unknown[] = [10n, { n: 1n }, circular, undefined];
    for (const input of bad) {
      const e = await b.rendezvous.request(input as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidInputError);
      expect((e as RendezvousError).code).toBe('INVALID_INPUT');
    }
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0 });
    expect(b.calls).toEqual([]); // nothing was published
    await b.close();
    expect(b.results).toEqual([]);
  });

  it('rejects a bad per-request deadline and a request id already in flight', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    for (const deadlineMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(b.rendezvous.request({}, { deadlineMs })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }
    const t = track(b.rendezvous.request({ 'a@1': { ms: 5 } }, { id: 'same' }), b.clock);
    await expect(b.rendezvous.request({}, { id: 'same' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await b.clock.advance(5);
    expect(t.value?.requestId).toBe('same');
    await b.close();
  });

  it('honours a per-request deadline', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const t = track(b.rendezvous.request({}, { deadlineMs: 50 }), b.clock);
    await b.clock.advance(50);
    expect(t.error).toBeInstanceOf(DeadlineExceededError);
    expect((t.error as DeadlineExceededError).waitedMs).toBe(50);
    await b.close();
  });

  it('carries meta and the deadline to the model', async () => {
    const b = await frontEndRig(first(), []);
    const seen: unknown[] = [];
    await b.addWorker('a@1', {
      predict: (_x, ctx) => {
        seen.push({ meta: ctx.meta, deadline: ctx.deadline, id: ctx.requestId });
        return 1;
      },
    });
    await b.rendezvous.request({}, { id: 'r', deadlineMs: 300, meta: { traceparent: 't' } });
    expect(seen).toEqual([{ meta: { traceparent: 't' }, deadline: 300, id: 'r' }]);
    await b.close();
  });

  it('rejects requests before start() with NotStartedError, and after close() with TransportClosedError', async () => {
    const clock = new VirtualClock(0);
    const rv = new Rendezvous({
      transport: new MemoryTransport(),
      policy: first(),
      clock,
      discoveryMs: 0,
    });
    const before = await rv.request(1).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(NotStartedError);
    expect(before).toMatchObject({ code: 'NOT_STARTED', retryable: false });
    await rv.start();
    await rv.stop();
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
    // A stopped front end stays stopped, and says what to do instead.
    await expect(rv.start()).rejects.toThrow(
      'rendezvous was stopped and cannot start again: create a new Rendezvous',
    );
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
  });

  it('stays closed when close() is called while start() is still running', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({ transport, policy: first(), clock });
    const starting = rv.start();
    await rv.stop();
    await starting;
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
    // Nothing is left listening: a heartbeat sent now reaches no registry.
    await transport.broadcast(
      'heartbeats',
      JSON.stringify({
        v: 1,
        kind: 'alive',
        model: { name: 'a', version: '1', instance: 'a-1' },
        intervalMs: 1000,
        ts: 0,
      }),
    );
    await clock.tick();
    expect(rv.registry.live()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('close() waits for in-flight requests (bounded by their deadline), emits their results and completes results$', async () => {
    const b = await frontEndRig(priority({ order: ['a', 'b'] }), ['a@1', 'b@1']);
    const answered = track(b.rendezvous.request({ 'a@1': { ms: 40 } }), b.clock);
    const timedOut = track(b.rendezvous.request({}, { deadlineMs: 200 }), b.clock);
    const lateOpen = track(b.rendezvous.request({ 'a@1': { ms: 5 }, 'b@1': { ms: 900 } }), b.clock);
    await b.clock.advance(5);
    expect(lateOpen.state).toBe('resolved');
    const closing = track(b.rendezvous.stop(), b.clock);
    await expect(b.rendezvous.request({})).rejects.toBeInstanceOf(TransportClosedError);
    await b.clock.advance(35);
    expect(answered.state).toBe('resolved');
    expect(closing.state).toBe('pending');
    await b.clock.advance(159);
    expect(closing.state).toBe('pending');
    await b.clock.advance(1);
    expect(timedOut.error).toBeInstanceOf(DeadlineExceededError);
    // Every request is decided: close resolves without waiting for b@1's late score.
    expect(closing.state).toBe('resolved');
    expect(closing.at).toBe(200);
    expect(b.results).toHaveLength(3);
    expect(b.completed.value).toBe(true);
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0 });
  });

  it('after close, no timer of the front end is left behind', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
    await rv.start();
    const t = track(rv.request(1, { deadlineMs: 10 }), clock);
    const closing = rv.stop();
    await clock.advance(10);
    await closing;
    expect(t.state).toBe('rejected');
    expect(clock.pendingTimers).toBe(0);
    await transport.close();
  });

  it('a request whose publish fails is rejected and its mailbox released', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    await b.transport.close();
    const e = await b.rendezvous.request({}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportClosedError);
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0, failed: 1 });
    expect(b.results).toHaveLength(1);
    expect(b.results[0]!.error?.code).toBe('TRANSPORT_CLOSED');
  });

  it('rejects inconsistent options with ConfigurationError', () => {
    const transport = new MemoryTransport();
    expect(() => new Rendezvous({ transport, policy: first(), maxInFlight: 0 })).toThrow(
      ConfigurationError,
    );
    expect(() => new Rendezvous({ transport, policy: first(), deadlineMs: 0 })).toThrow(
      ConfigurationError,
    );
  });
});

describe('Rendezvous: replies it cannot use', () => {
  async function replyTo(b: Awaited<ReturnType<typeof frontEndRig>>): Promise<string> {
    const requests = await tapStream(b.transport, 'requests');
    void b.rendezvous.request({}, { id: 'probe', deadlineMs: 10 }).catch(() => undefined);
    await b.clock.tick();
    const decoded = decodeRequest(requests[0]!.payload);
    if (!decoded.ok) throw decoded.error;
    await b.clock.advance(10);
    return decoded.value.replyTo;
  }

  const score = (requestId: string, name = 'x'): ScoreEnvelope => ({
    v: 1,
    requestId,
    model: { name, version: '1', instance: `${name}-a` },
    ok: true,
    output: 1,
    receivedAt: 0,
    startedAt: 0,
    finishedAt: 0,
  });

  it('dead-letters and counts an invalid score without disturbing requests in flight', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const address = await replyTo(b);
    const dead = await tapStream(b.transport, 'dead-letter');
    const t = track(b.rendezvous.request({ 'a@1': { ms: 5 } }), b.clock);
    await b.transport.reply(address, { payload: '{"v":1,"requestId":' });
    await b.transport.reply(address, { payload: JSON.stringify({ v: 2 }) });
    await b.clock.advance(5);
    expect(t.state).toBe('resolved');
    expect(b.rendezvous.stats().invalidScores).toBe(2);
    expect(dead.map((d) => JSON.parse(d.payload).reason.code)).toEqual([
      'INVALID_ENVELOPE',
      'INVALID_ENVELOPE',
    ]);
    await b.close();
  });

  it('counts scores for unknown requests as orphans, and a redelivered score as a duplicate', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1']);
    const address = await replyTo(b);
    await b.transport.reply(address, { payload: encodeEnvelope(score('nobody')) });
    const t = track(b.rendezvous.request({ 'a@1': { ms: 50 } }, { id: 'r' }), b.clock);
    await b.clock.tick();
    await b.transport.reply(address, { payload: encodeEnvelope(score('r', 'b')) });
    await b.transport.reply(address, { payload: encodeEnvelope(score('r', 'b')) });
    await b.clock.tick();
    expect(t.value?.chosen?.model.name).toBe('b');
    expect(b.rendezvous.stats()).toMatchObject({ orphanScores: 1, duplicateScores: 1 });
    await b.clock.advance(50);
    expect(b.results.at(-1)!.late.map((c) => c.model.name)).toEqual(['a']);
    await b.close();
  });
});

describe('Rendezvous: timers that fire early', () => {
  it('treats a deadline timer as the deadline even when the clock still reads a few ms before it', async () => {
    // Node fires timers against its cached loop time, so Date.now() can lag the deadline by a
    // few ms when the deadline timer runs. Simulate it: timers fire 3 ms before their time.
    const clock = new VirtualClock(0);
    const early = {
      now: () => clock.now(),
      setTimeout: (callback: () => void, delayMs: number) =>
        clock.setTimeout(callback, Math.max(0, delayMs - 3)),
    };
    const transport = new MemoryTransport();
    const rendezvous = new Rendezvous({
      transport,
      policy: first(),
      deadlineMs: 100,
      clock: early,
      discoveryMs: 0,
    });
    await rendezvous.start();
    const outcome = rendezvous.request({ x: 1 }).then(
      () => 'answered',
      (e: RendezvousError) => e.code,
    );
    await clock.advance(97);
    expect(await outcome).toBe('DEADLINE_EXCEEDED');
    expect(rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0 });
    await rendezvous.stop();
    await transport.close();
  });
});
