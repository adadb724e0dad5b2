import {
  ConfigurationError,
  type DeadLetterRecord,
  type Delivery,
  type Json,
  ModelWorker,
} from '@rendezvous-ml/core';
import { decodeHeartbeat } from '@rendezvous-ml/core/wire';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { after, track } from './harness.js';
import { START, workerRig } from './model-worker-rig.js';

describe('ModelWorker: deadlines', () => {
  it('skips a request already past its deadline without predicting, counts it and acknowledges it', async () => {
    const calls: Json[] = [];
    const b = await workerRig((x) => {
      calls.push(x);
      return x;
    });
    await b.send('expired', { deadlineIn: 0 });
    await b.send('fresh');
    await b.clock.tick();
    expect(calls).toEqual(['fresh']);
    expect(b.scores.map((s) => s.requestId)).toEqual(['fresh']);
    expect(b.worker.stats()).toMatchObject({ skippedExpired: 1, scored: 1 });
    expect(b.events).toContainEqual({ type: 'skipped', requestId: 'expired', reason: 'deadline' });
    expect(b.spy.acked).toHaveLength(2);
  });

  it('skips a request whose deadline passed while it waited behind a slow prediction', async () => {
    const calls: Json[] = [];
    const b = await workerRig(
      (x) => {
        calls.push(x);
        return after(b.clock, 500, x);
      },
      { concurrency: 1 },
    );
    await b.send('slow', { deadlineIn: 1000 });
    await b.send('urgent', { deadlineIn: 100 });
    await b.clock.advance(500);
    expect(calls).toEqual(['slow']);
    expect(b.worker.stats().skippedExpired).toBe(1);
    expect(b.scores.map((s) => s.requestId)).toEqual(['slow']);
  });

  it('gives predict the request deadline, id and meta', async () => {
    const seen: unknown[] = [];
    const b = await workerRig((x, ctx) => {
      seen.push([ctx.requestId, ctx.deadline, ctx.signal.aborted]);
      return x;
    });
    await b.send('r', { deadlineIn: 250 });
    await b.clock.tick();
    expect(seen).toEqual([['r', START + 250, false]]);
  });
});

describe('ModelWorker: scores', () => {
  it('sends one score per request to its return address, keyed by request id, then acknowledges', async () => {
    const b = await workerRig((x) => after(b.clock, 7, { echo: x }));
    await b.send('r1');
    await b.clock.advance(7);
    expect(b.scores).toEqual([
      {
        v: 1,
        requestId: 'r1',
        model: { name: 'm', version: '1', instance: 'm-1' },
        ok: true,
        output: { echo: 'r1' },
        receivedAt: START,
        startedAt: START,
        finishedAt: START + 7,
      },
    ]);
    expect(b.replyKeys).toEqual(['r1']);
    expect(b.spy.acked).toHaveLength(1);
    expect(b.events).toContainEqual({
      type: 'scored',
      requestId: 'r1',
      ok: true,
      durationMs: 7,
    });
  });

  it('turns a predict that throws or rejects into a PREDICT_FAILED error score', async () => {
    const b = await workerRig((x) => {
      if (x === 'sync') throw new Error('bad tree');
      if (x === 'string') throw 'just a string';
      return Promise.reject(new Error('async failure'));
    });
    await b.send('sync');
    await b.send('string');
    await b.send('async');
    await b.clock.tick();
    expect(b.scores.map((s) => (s.ok ? 'ok' : s.error))).toEqual([
      { code: 'PREDICT_FAILED', message: 'bad tree' },
      { code: 'PREDICT_FAILED', message: 'just a string' },
      { code: 'PREDICT_FAILED', message: 'async failure' },
    ]);
    expect(b.worker.stats()).toMatchObject({ failedPredictions: 3, scored: 3 });
    expect(b.spy.acked).toHaveLength(3); // an error score is still an answer
  });

  it('turns a predict slower than predictTimeoutMs into a PREDICT_TIMEOUT error score and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const b = await workerRig(
      (x, ctx) => {
        signal = ctx.signal;
        return after(b.clock, x === 'slow' ? 200 : 10, x);
      },
      { predictTimeoutMs: 50 },
    );
    await b.send('fast');
    await b.send('slow');
    await b.clock.advance(49);
    expect(b.scores.map((s) => s.requestId)).toEqual(['fast']);
    await b.clock.advance(1);
    const slow = b.scores[1]!;
    expect(slow).toMatchObject({
      requestId: 'slow',
      ok: false,
      error: { code: 'PREDICT_TIMEOUT' },
      finishedAt: START + 50,
    });
    expect(signal?.aborted).toBe(true);
    expect(b.worker.stats()).toMatchObject({ failedPredictions: 1, active: 0 });
    await b.clock.advance(200);
    expect(b.scores).toHaveLength(2); // the late result of the slow predict is dropped
  });

  it('turns a parseInput failure into an INVALID_INPUT error score', async () => {
    const b = await workerRig((x) => x, {
      parseInput: (x) => {
        if (typeof x !== 'number') throw new Error('expected a number');
        return x;
      },
    });
    await b.send('n', { input: 'nope' });
    await b.send('ok', { input: 3 });
    await b.clock.tick();
    expect(b.scores.map((s) => (s.ok ? s.output : s.error.code))).toEqual(['INVALID_INPUT', 3]);
  });

  it('hands a request back (for redelivery) when its score cannot be sent', async () => {
    const b = await workerRig((x) => x, { replyRetry: { attempts: 1 } });
    b.spy.replyFails = () => true;
    await b.send('r');
    await b.clock.tick();
    expect(b.spy.acked).toEqual([]);
    expect(b.spy.released).toHaveLength(1);
    expect(b.worker.stats()).toMatchObject({ replyFailures: 1, scored: 0 });
    expect(b.events.some((e) => e.type === 'error' && e.error.code === 'CONNECTION_LOST')).toBe(
      true,
    );
  });
});

describe('ModelWorker: concurrency and draining', () => {
  it('never runs more than `concurrency` predictions at once, and works through the queue', async () => {
    let active = 0;
    let peak = 0;
    const b = await workerRig(
      async (x) => {
        active++;
        peak = Math.max(peak, active);
        await after(b.clock, 10, null);
        active--;
        return x;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 10; i++) await b.send(`r${i}`);
    await b.clock.tick();
    expect(active).toBe(3);
    expect(b.worker.stats().active).toBe(3);
    await b.clock.advance(40);
    expect(peak).toBe(3);
    expect(b.scores).toHaveLength(10);
    expect(b.spy.acked).toHaveLength(10);
  });

  it('stop() finishes and acknowledges the predictions in progress, starts nothing new, and hands the rest to another member', async () => {
    const calls: Json[] = [];
    const b = await workerRig(
      (x) => {
        calls.push(x);
        return after(b.clock, 100, x);
      },
      { concurrency: 2 },
    );
    for (const id of ['a', 'b', 'c', 'd']) await b.send(id);
    await b.clock.advance(10);
    expect(calls).toEqual(['a', 'b']);
    const stopping = track(b.worker.stop(), b.clock);
    await b.send('e');
    await b.clock.advance(89);
    expect(stopping.state).toBe('pending');
    await b.clock.advance(1);
    expect(stopping.state).toBe('resolved');
    expect(calls).toEqual(['a', 'b']);
    expect(b.scores.map((s) => s.requestId)).toEqual(['a', 'b']);
    expect(b.spy.acked).toHaveLength(2);
    expect(b.eventsCompleted()).toBe(true);

    // Another instance of the same version gets what the stopped one never started.
    const other = new ModelWorker({
      transport: new MemoryTransport({ broker: b.broker }),
      model: { name: 'm', version: '1', instance: 'm-2' },
      predict: (x) => x,
      clock: b.clock,
    });
    await other.start();
    await b.clock.tick();
    expect(b.scores.map((s) => s.requestId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(b.scores.slice(2).every((s) => s.model.instance === 'm-2')).toBe(true);
    await other.stop();
  });

  it('announces itself with heartbeats, answers probes, and says it leaves first on stop and again once gone', async () => {
    const b = await workerRig((x) => x, { heartbeatIntervalMs: 100 }, { start: false });
    const kinds: string[] = [];
    b.caller.listen('heartbeats').subscribe((m) => {
      const d = decodeHeartbeat(m.payload);
      if (d.ok && d.value.kind !== 'probe') kinds.push(`${d.value.kind}@${d.value.ts - START}`);
    });
    await b.worker.start();
    await b.clock.advance(250);
    await b.caller.broadcast('heartbeats', JSON.stringify({ v: 1, kind: 'probe', ts: 0 }));
    await b.clock.tick();
    await b.worker.stop();
    await b.clock.advance(500); // no heartbeat after leaving
    expect(kinds).toEqual([
      'alive@0',
      'alive@100',
      'alive@200',
      'alive@250',
      'leaving@250',
      'leaving@250',
    ]);
    expect(b.clock.pendingTimers).toBe(0);
  });

  it('rejects an invalid configuration', () => {
    const transport = new MemoryTransport();
    const base = { transport, predict: (x: Json) => x };
    expect(() => new ModelWorker({ ...base, model: { name: '', version: '1' } })).toThrow(
      ConfigurationError,
    );
    expect(
      () => new ModelWorker({ ...base, model: { name: 'm', version: '1' }, concurrency: 0 }),
    ).toThrow(ConfigurationError);
  });

  it('consumes in the group of its model version', () => {
    const w = new ModelWorker({
      transport: new MemoryTransport(),
      model: { name: 'dt', version: '3' },
      predict: (x) => x,
    });
    expect(w.group).toBe('model:dt@3');
    expect(w.model.instance).toMatch(/^dt-3-/);
  });
});

describe('ModelWorker: messages it cannot process', () => {
  it('dead-letters an invalid request envelope, counts it, acknowledges it, and keeps going', async () => {
    const calls: Json[] = [];
    const b = await workerRig((x) => {
      calls.push(x);
      return x;
    });
    await b.caller.publish('requests', { payload: 'not json' });
    await b.caller.publish('requests', { payload: JSON.stringify({ v: 1, id: 'x' }) });
    await b.send('good');
    await b.clock.tick();
    expect(calls).toEqual(['good']);
    expect(b.worker.stats()).toMatchObject({ deadLettered: 2, scored: 1 });
    const records = b.dead.map((d) => JSON.parse(d.payload) as DeadLetterRecord);
    expect(records.map((r) => [r.reason.code, r.payload, r.component])).toEqual([
      ['INVALID_ENVELOPE', 'not json', 'worker m@1'],
      ['INVALID_ENVELOPE', '{"v":1,"id":"x"}', 'worker m@1'],
    ]);
    expect(records[1]!.reason.message).toBe('/input: missing');
    expect(b.events.filter((e) => e.type === 'dead-lettered')).toHaveLength(2);
    expect(b.spy.acked).toHaveLength(3);
  });

  it('dead-letters a request delivered more than maxDeliveries times, without predicting it', async () => {
    const calls: Json[] = [];
    const b = await workerRig(
      (x) => {
        calls.push(x);
        return x;
      },
      { maxDeliveries: 2 },
      { start: false },
    );
    // A crashing member of the same group takes the request twice and dies each time.
    await b.caller.ensureGroup('requests', b.worker.group);
    await b.send('poison');
    for (let i = 0; i < 2; i++) {
      const got: Delivery[] = [];
      const sub = b.caller
        .consume('requests', { group: b.worker.group, consumer: 'crashy' })
        .subscribe((d) => got.push(d));
      await b.clock.tick();
      expect(got.map((d) => d.deliveryCount)).toEqual([i + 1]);
      sub.unsubscribe(); // leaves without acknowledging
    }
    await b.worker.start();
    await b.clock.tick();
    expect(calls).toEqual([]);
    expect(b.scores).toEqual([]);
    expect(b.worker.stats().deadLettered).toBe(1);
    const record = JSON.parse(b.dead[0]!.payload) as DeadLetterRecord;
    expect(record.reason).toEqual({
      code: 'REDELIVERY_LIMIT',
      message: 'delivered 3 times (max 2)',
    });
    expect(b.spy.acked).toHaveLength(1);
  });
});
