// Two MemoryTransports without a shared broker are two separate worlds: a front end on one never
// sees the workers on the other. The error it ends with names that fix.
import {
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';

async function ask(workerTransport: MemoryTransport, frontTransport: MemoryTransport) {
  const clock = new VirtualClock(0);
  const worker = new ModelWorker({
    transport: workerTransport,
    clock,
    model: { name: 'm', version: '1' },
    predict: (x) => x,
  });
  await worker.start();
  const rv = new Rendezvous({
    transport: frontTransport,
    policy: first(),
    clock,
    discoveryMs: 0,
    deadlineMs: 100,
  });
  await rv.start();
  const outcome = rv.request(7).then(
    (r) => r.chosen?.output,
    (e: unknown) => e as RendezvousError,
  );
  await clock.advance(100);
  const result = await outcome;
  await rv.stop();
  await worker.stop();
  return result;
}

describe('two MemoryTransports', () => {
  it('without a shared broker: DEADLINE_EXCEEDED naming the fix (one transport, or a shared MemoryBroker)', async () => {
    const e = await ask(new MemoryTransport(), new MemoryTransport());
    expect(e).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    const message = (e as RendezvousError).message;
    expect(message).toContain('no model is live');
    expect(message).toContain('the memory transport is in-process');
    expect(message).toContain(
      'give the workers this transport instance, or transports sharing its broker',
    );
  });

  it('sharing a MemoryBroker: answered', async () => {
    const broker = new MemoryBroker();
    expect(await ask(new MemoryTransport({ broker }), new MemoryTransport({ broker }))).toBe(7);
  });
});
