import {
  ConfigurationError,
  DEFAULT_STREAMS,
  ModelWorker,
  modelKey,
  priority,
  type RendezvousResult,
  type WorkerEvent,
} from '@rendezvous-ml/core';
import { decodeHeartbeat, encodeControlMessage } from '@rendezvous-ml/core/wire';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import {
  type FrontEndRig,
  frontEndRig,
  type Script,
  type Tracked,
  tapChannel,
  track,
} from './harness.js';

/**
 * dt@1 (concurrency 5) is preferred over lr@1. The first 5 requests are the ones dt starts:
 * dt scores them at 300 ms, lr only at 800 ms. The 15 others wait in dt's queue: lr scores them
 * at 20 ms. dt is told to drain at t = 10.
 */
async function drainScene(drain: (b: FrontEndRig) => Promise<unknown>) {
  const b = await frontEndRig(priority({ order: ['dt', 'lr'] }), [], { deadlineMs: 2000 });
  await b.addWorker('lr@1', { concurrency: 50 });
  const dt = await b.addWorker('dt@1', { concurrency: 5 });
  const events: WorkerEvent[] = [];
  dt.worker.events$.subscribe((e) => events.push(e));
  const beats = await tapChannel(b.transport, DEFAULT_STREAMS.heartbeats);
  const started: Script = { 'dt@1': { ms: 300, out: 'dt' }, 'lr@1': { ms: 800, out: 'lr' } };
  const queued: Script = { 'dt@1': { ms: 1, out: 'dt' }, 'lr@1': { ms: 20, out: 'lr' } };
  const requests: Tracked<RendezvousResult>[] = [];
  for (let i = 0; i < 20; i++)
    requests.push(track(b.rendezvous.request(i < 5 ? started : queued), b.clock));
  await b.clock.advance(10);
  expect(dt.worker.stats().active).toBe(5);
  const stopping = track(drain(b), b.clock);
  await b.clock.tick();
  const kinds = beats.map((m) => {
    const hb = decodeHeartbeat(m.payload);
    return hb.ok ? hb.value.kind : 'invalid';
  });
  // `leaving` went out at once, before any of the 5 predictions in progress ended.
  expect(kinds).toEqual(['leaving']);
  expect(b.rendezvous.registry.live().map(modelKey)).toEqual(['lr@1']);
  await b.clock.advance(2000);
  expect(stopping.state).toBe('resolved');
  expect(stopping.at).toBe(300); // once the 5 it started were scored and sent
  return { b, events, requests };
}

function expectDrained(scene: Awaited<ReturnType<typeof drainScene>>): void {
  const { b, requests } = scene;
  expect(requests.map((r) => r.state)).toEqual(Array(20).fill('resolved'));
  for (const r of requests.slice(0, 5)) {
    // Started by dt before it drained: dt's score still comes, is accepted and chosen.
    expect(r.at).toBe(300);
    expect(r.value!.chosen!.model.name).toBe('dt');
    expect(r.value!.candidates.map((c) => `${modelKey(c.model)}:${c.status}`)).toEqual([
      'dt@1:ok',
      'lr@1:pending',
    ]);
  }
  for (const r of requests.slice(5)) {
    // Waiting in dt's queue: decided as soon as lr scored, neither at 300 (drained) nor 2000.
    expect(r.at).toBe(20);
    expect(r.value!.chosen!.model.name).toBe('lr');
  }
  expect(b.rendezvous.stats()).toMatchObject({ failed: 0, deadlineExceeded: 0 });
  expect(b.calls.filter((c) => c === 'dt@1')).toHaveLength(5);
}

describe('ModelWorker: draining', () => {
  it('stop(): says leaving first, takes nothing new, finishes and replies to what it started, with no failed request', async () => {
    const scene = await drainScene((b) => b.workers.get('dt@1')!.worker.stop());
    expectDrained(scene);
    expect(scene.events.map((e) => e.type)).toEqual(['draining', ...Array(5).fill('scored')]);
    expect(scene.events[0]).toEqual({ type: 'draining', reason: 'stop', inFlight: 5 });
    await scene.b.close();
  });

  it('a retire message for its name@version on the control channel drains it the same way', async () => {
    let ended: Promise<void> | undefined;
    const scene = await drainScene(async (b) => {
      const { worker } = b.workers.get('dt@1')!;
      ended = new Promise<void>((resolve) => worker.events$.subscribe({ complete: resolve }));
      await b.transport.broadcast(
        'control',
        encodeControlMessage({ v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 7 }),
      );
      await ended;
    });
    expectDrained(scene);
    expect(scene.events[0]).toEqual({
      type: 'draining',
      reason: 'retire',
      inFlight: 5,
      retireTs: 7,
    });
    await scene.b.close();
  });

  it('ignores retire messages for other versions, other control messages and garbage', async () => {
    const b = await frontEndRig(priority(), ['dt@1']);
    const { worker } = b.workers.get('dt@1')!;
    const events: WorkerEvent[] = [];
    worker.events$.subscribe((e) => events.push(e));
    for (const payload of [
      encodeControlMessage({ v: 1, kind: 'retire', model: { name: 'dt', version: '2' }, ts: 1 }),
      encodeControlMessage({ v: 1, kind: 'retire', model: { name: 'lr', version: '1' }, ts: 1 }),
      JSON.stringify({ v: 1, kind: 'policy', version: 3, spec: { policy: 'first' }, ts: 1 }),
      JSON.stringify({ v: 2, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 1 }),
      JSON.stringify({ v: 1, kind: 'retire', model: { name: 'dt' }, ts: 1 }),
      '{not json',
    ])
      await b.transport.broadcast('control', payload);
    await b.clock.advance(5000);
    expect(events).toEqual([]);
    const t = track(b.rendezvous.request({ 'dt@1': { ms: 5 } } satisfies Script), b.clock);
    await b.clock.advance(5);
    expect(t.value?.chosen?.model.name).toBe('dt');
    await worker.stop();
    await b.close();
  });

  it('with retirable: false, does not listen for retire; stop() still drains', async () => {
    const b = await frontEndRig(priority(), []);
    const { worker } = await b.addWorker('dt@1', { retirable: false });
    const events: WorkerEvent[] = [];
    worker.events$.subscribe((e) => events.push(e));
    await b.transport.broadcast(
      'control',
      encodeControlMessage({ v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 1 }),
    );
    await b.clock.advance(100);
    expect(events).toEqual([]);
    expect(b.rendezvous.registry.live().map(modelKey)).toEqual(['dt@1']);
    await worker.stop();
    expect(events).toEqual([{ type: 'draining', reason: 'stop', inFlight: 0 }]);
    await b.close();
  });

  it('a retire during a drain, or a stop after a retire, shares the one drain', async () => {
    const b = await frontEndRig(priority(), []);
    const { worker } = await b.addWorker('dt@1');
    const events: WorkerEvent[] = [];
    worker.events$.subscribe((e) => events.push(e));
    await b.transport.broadcast(
      'control',
      encodeControlMessage({ v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 1 }),
    );
    const stopping = track(worker.stop(), b.clock);
    await b.transport.broadcast(
      'control',
      encodeControlMessage({ v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 2 }),
    );
    await b.clock.advance(10);
    expect(stopping.state).toBe('resolved');
    expect(events).toEqual([{ type: 'draining', reason: 'retire', inFlight: 0, retireTs: 1 }]);
    expect(b.clock.pendingTimers).toBe(0);
    await b.close();
  });

  it('rejects a retirable that is not a boolean, saying what to pass', () => {
    const options = {
      transport: new MemoryTransport(),
      model: { name: 'dt', version: '1' },
      predict: (x: number) => x,
      retirable: 'yes' as unknown as boolean,
    };
    expect(() => new ModelWorker(options)).toThrow(ConfigurationError);
    expect(() => new ModelWorker(options)).toThrow(/retirable must be true .* or false/);
  });
});
