// Errors a newcomer meets first: each has its stable code and a message that names the fix.
import {
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousError,
  VirtualClock,
  type WorkerEvent,
} from '@rendezvous-ml/core';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';

const settle = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as RendezvousError,
  );

describe('errors name the fix', () => {
  it('not started: NOT_STARTED, "call `await rendezvous.start()`"', async () => {
    const rv = new Rendezvous({ transport: new MemoryTransport(), policy: first() });
    const e = await settle(rv.request(1));
    expect(e).toMatchObject({ code: 'NOT_STARTED', retryable: false });
    expect(e?.message).toMatch(/call `await rendezvous\.start\(\)` before `request\(\)`/);
  });

  it('a stopped worker started again: NOT_STARTED, "create a new ModelWorker"', async () => {
    const worker = new ModelWorker({
      transport: new MemoryTransport(),
      model: { name: 'm', version: '1' },
      predict: (x) => x,
    });
    await worker.start();
    await worker.stop();
    const e = await settle(worker.start());
    expect(e?.code).toBe('NOT_STARTED');
    expect(e?.message).toContain('create a new ModelWorker');
  });

  it('no live model: DEADLINE_EXCEEDED, "start a ModelWorker on the same transport", and the in-process hint', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({
      transport,
      policy: first(),
      clock,
      discoveryMs: 0,
      deadlineMs: 100,
    });
    await rv.start();
    const pending = settle(rv.request(1));
    await clock.advance(100);
    const e = await pending;
    expect(e?.code).toBe('DEADLINE_EXCEEDED');
    expect(e?.message).toContain('no model is live');
    expect(e?.message).toContain('start a ModelWorker on the same transport and stream names');
    expect(e?.message).toContain(
      'give the workers this transport instance, or transports sharing its broker',
    );
    await rv.stop();
    await transport.close();
  });

  it('transport closed under a running front end: TRANSPORT_CLOSED, "stop the components first"', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({
      transport,
      policy: first(),
      clock,
      discoveryMs: 0,
      deadlineMs: 100,
    });
    await rv.start();
    await transport.close();
    const e = await settle(rv.request(1));
    expect(e).toMatchObject({ code: 'TRANSPORT_CLOSED', retryable: false });
    expect(e?.message).toMatch(/close a transport only after every component using it has stopped/);
    expect(e?.message).toContain('await rendezvous.stop()');
    await rv.stop();
  });

  it('transport closed under a running worker: an error event TRANSPORT_CLOSED that names the fix', async () => {
    const transport = new MemoryTransport();
    const worker = new ModelWorker({
      transport,
      model: { name: 'm', version: '1' },
      predict: (x) => x,
    });
    const events: WorkerEvent[] = [];
    worker.events$.subscribe({ next: (e) => events.push(e), error: () => {} });
    await worker.start();
    await transport.close();
    await new Promise((r) => setImmediate(r));
    const errors = events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
    expect(errors.length).toBeGreaterThan(0);
    const closed = errors.find((e) => e.code === 'TRANSPORT_CLOSED');
    expect(closed?.message).toContain('worker.stop()');
    await worker.stop().catch(() => {});
  });
});
