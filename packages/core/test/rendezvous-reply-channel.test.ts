import {
  ConnectionLostError,
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousError,
  UnexpectedReplyError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { track } from './harness.js';
import { BreakableReplies } from './transport-wrappers.js';

async function system() {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock });
  const worker = new ModelWorker({
    transport: new MemoryTransport({ broker }),
    clock,
    model: { name: 'echo', version: '1', instance: 'echo-1' },
    predict: (x) => x,
    heartbeatIntervalMs: 60_000,
  });
  await worker.start();
  const transport = new BreakableReplies(new MemoryTransport({ broker }));
  const rv = new Rendezvous({ transport, policy: first(), clock, discoveryMs: 0 });
  await rv.start();
  return { clock, transport, rv, worker };
}

describe('Rendezvous: a reply channel lost while it runs', () => {
  it('fails new requests fast with the cause, opens a new channel after a backoff, and answers again', async () => {
    const { clock, transport, rv, worker } = await system();
    const before = track(rv.request(1), clock);
    await clock.advance(1);
    expect(before.state).toBe('resolved');
    transport.breakAll(new ConnectionLostError('connection reset'));
    const during = await rv.request(2).catch((e: unknown) => e as RendezvousError);
    expect(during).toMatchObject({ code: 'CONNECTION_LOST', retryable: true });
    expect((during as Error).message).toMatch(/reply channel was lost.*new one is being opened/);
    expect(rv.stats().replyChannelLosses).toBe(1);
    await clock.advance(300);
    expect(transport.opened).toBe(2);
    const after = track(rv.request(3), clock);
    await clock.advance(1);
    expect(after.state).toBe('resolved');
    expect(after.value?.chosen?.output).toBe(3);
    await rv.stop();
    await worker.stop();
  });

  it('does not reopen after a failure that cannot pass, and says why on every request', async () => {
    const { clock, transport, rv, worker } = await system();
    transport.breakAll(new UnexpectedReplyError('XREAD reply in an unknown shape'));
    await clock.advance(60_000);
    expect(transport.opened).toBe(1);
    await expect(rv.request(1)).rejects.toMatchObject({
      code: 'UNEXPECTED_REPLY',
      message: expect.stringMatching(/will not be reopened/),
    });
    await rv.stop();
    await worker.stop();
  });

  it('close() during the reopen backoff cancels it', async () => {
    const { clock, transport, rv, worker } = await system();
    transport.breakAll(new ConnectionLostError('connection reset'));
    await rv.stop();
    await clock.advance(60_000);
    expect(transport.opened).toBe(1);
    await worker.stop();
  });
});
