import { ConnectionLostError, UnexpectedReplyError } from '@rendezvous-ml/core';
import { decodeHeartbeat } from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';
import { tapChannel } from './harness.js';
import { workerRig } from './model-worker-rig.js';

/** The heartbeat kinds the worker broadcast, in order. */
async function heartbeatKinds(b: Awaited<ReturnType<typeof workerRig>>) {
  const seen = await tapChannel(b.caller, 'heartbeats');
  return () =>
    seen.map((m) => decodeHeartbeat(m.payload)).map((h) => (h.ok ? h.value.kind : 'bad'));
}

describe('ModelWorker: a consumer lost while the worker runs', () => {
  it('announces that it leaves (so front ends stop waiting), rejoins after a backoff, and scores again', async () => {
    const b = await workerRig((x) => x, { heartbeatIntervalMs: 1000 });
    const kinds = await heartbeatKinds(b);
    expect(b.spy.joins).toBe(1);
    b.spy.loseConsumer(new ConnectionLostError('connection reset'));
    await b.clock.tick();
    expect(kinds()).toContain('leaving');
    expect(b.events).toContainEqual(
      expect.objectContaining({
        type: 'error',
        error: expect.objectContaining({ message: expect.stringMatching(/rejoins in \d+ ms/) }),
      }),
    );
    // No alive heartbeat while it has no consumer: a front end must not wait for it.
    const before = kinds().length;
    await b.clock.advance(400);
    expect(kinds().slice(before)).not.toContain('alive');
    await b.clock.advance(5000);
    expect(b.spy.joins).toBe(2);
    expect(kinds().at(-1)).toBe('alive');
    await b.send('after');
    await b.clock.advance(10);
    expect(b.scores.map((s) => s.requestId)).toEqual(['after']);
    await b.worker.stop();
  });

  it('stays out for good after a failure that cannot pass, and says so', async () => {
    const b = await workerRig((x) => x, { heartbeatIntervalMs: 1000 });
    const kinds = await heartbeatKinds(b);
    b.spy.loseConsumer(new UnexpectedReplyError('XREADGROUP reply in an unknown shape'));
    await b.clock.advance(60_000);
    expect(b.spy.joins).toBe(1);
    expect(kinds().at(-1)).toBe('leaving');
    expect(b.events).toContainEqual(
      expect.objectContaining({
        type: 'error',
        error: expect.objectContaining({
          code: 'UNEXPECTED_REPLY',
          message: expect.stringMatching(/stopped consuming.*start a new ModelWorker/),
        }),
      }),
    );
    expect(b.worker.stats().consumerLosses).toBe(1);
    await b.worker.stop(); // still stops cleanly
    expect(b.eventsCompleted()).toBe(true);
  });

  it('treats a consume stream that completes under it (transport closed) as lost for good', async () => {
    const b = await workerRig((x) => x);
    const kinds = await heartbeatKinds(b);
    b.spy.loseConsumer();
    await b.clock.advance(60_000);
    expect(b.spy.joins).toBe(1);
    expect(kinds().at(-1)).toBe('leaving');
    await b.worker.stop();
  });

  it('stop() during the rejoin backoff cancels the rejoin', async () => {
    const b = await workerRig((x) => x);
    b.spy.loseConsumer(new ConnectionLostError('connection reset'));
    await b.clock.tick();
    await b.worker.stop();
    await b.clock.advance(60_000);
    expect(b.spy.joins).toBe(1);
  });
});
