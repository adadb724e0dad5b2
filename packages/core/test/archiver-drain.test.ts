import {
  Archiver,
  type Transport,
  type TransportCapabilities,
  VirtualClock,
} from '@rendezvous-ml/core';
import { DelegatingTransport } from '@rendezvous-ml/test-kit';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { requestMessage } from './archiver-fixtures.js';
import { RecordingSink, track } from './harness.js';

/** The memory transport as a transport that cannot tell a group's lag. */
class NoLag extends DelegatingTransport {
  override get capabilities(): TransportCapabilities {
    return { ...this.inner.capabilities, groupLag: false };
  }
}

/** A lag reading that fails the first `failures` times (a broker blip). */
class FlakyLag extends DelegatingTransport {
  reads = 0;
  constructor(
    inner: Transport,
    private failures: number,
  ) {
    super(inner);
  }
  override groupLag(stream: string, group: string): Promise<number> {
    this.reads++;
    if (this.failures-- > 0) return Promise.reject(new Error('blip'));
    return super.groupLag(stream, group);
  }
}

async function drainBench(wrap: (t: Transport) => Transport = (t) => t) {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock });
  const caller = new MemoryTransport({ broker });
  const transport = wrap(new MemoryTransport({ broker }));
  const sink = new RecordingSink();
  const archiver = new Archiver({
    transport,
    source: 'requests',
    sinks: [sink],
    clock,
    batchSize: 100,
    flushIntervalMs: 1000,
  });
  await archiver.start();
  const send = async (...ids: string[]) => {
    for (const id of ids) await caller.publish('requests', requestMessage(id, clock.now()));
  };
  return { clock, caller, transport, sink, archiver, send };
}

describe('Archiver.drain({ caughtUp })', () => {
  it('resolves caught-up once every published message is archived, without waiting for the flush interval', async () => {
    const b = await drainBench();
    await b.send('1', '2', '3');
    // Nothing delivered yet (deliveries come in a later turn): the first settle holds nothing.
    const drained = track(b.archiver.drain({ caughtUp: true }), b.clock);
    await b.clock.advance(100);
    expect(drained).toMatchObject({ state: 'resolved', value: { outcome: 'caught-up', lag: 0 } });
    expect(b.sink.records.map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(drained.at).toBeLessThan(1000);
  });

  it('keeps waiting while the sink holds a write, and times out with the lag left', async () => {
    const b = await drainBench();
    b.sink.hold();
    await b.send('1', '2');
    const drained = track(b.archiver.drain({ caughtUp: true, timeoutMs: 5000 }), b.clock);
    await b.clock.advance(4999);
    expect(drained.state).toBe('pending');
    await b.clock.advance(1);
    expect(drained).toMatchObject({ state: 'resolved', value: { outcome: 'timed-out' } });
    b.sink.release();
    const again = track(b.archiver.drain({ caughtUp: true, timeoutMs: 5000 }), b.clock);
    await b.clock.advance(200);
    expect(again).toMatchObject({ state: 'resolved', value: { outcome: 'caught-up', lag: 0 } });
    expect(b.sink.records).toHaveLength(2);
  });

  it('reports the last lag it read when it times out', async () => {
    const b = await drainBench();
    b.sink.hold();
    await b.send('1', '2');
    await b.clock.advance(0);
    const drained = track(b.archiver.drain({ caughtUp: true, timeoutMs: 300 }), b.clock);
    await b.clock.advance(300);
    expect(drained.value).toEqual({ outcome: 'timed-out', lag: 2 });
    b.sink.release();
  });

  it('archives what is published while it waits, and resolves only when that is done too', async () => {
    const b = await drainBench();
    b.sink.hold();
    await b.send('1');
    const drained = track(b.archiver.drain({ caughtUp: true }), b.clock);
    await b.clock.advance(250);
    await b.send('2');
    b.sink.release();
    await b.clock.advance(250);
    expect(drained).toMatchObject({ state: 'resolved', value: { outcome: 'caught-up' } });
    expect(b.sink.records.map((r) => r.id).sort()).toEqual(['1', '2']);
  });

  it('retries a lag reading that fails', async () => {
    let flaky: FlakyLag | undefined;
    const b = await drainBench((t) => (flaky = new FlakyLag(t, 2)));
    await b.send('1');
    const drained = track(b.archiver.drain({ caughtUp: true, pollIntervalMs: 50 }), b.clock);
    await b.clock.advance(200);
    expect(drained).toMatchObject({ state: 'resolved', value: { outcome: 'caught-up' } });
    expect(flaky!.reads).toBeGreaterThanOrEqual(3);
  });

  it('falls back to settling what it received on a transport without groupLag', async () => {
    const b = await drainBench((t) => new NoLag(t));
    await b.send('1');
    await b.clock.advance(0);
    expect(await b.archiver.drain({ caughtUp: true })).toEqual({ outcome: 'settled' });
    expect(b.sink.records.map((r) => r.id)).toEqual(['1']);
  });

  it('without caughtUp settles only what it received, as before', async () => {
    const b = await drainBench();
    b.sink.hold();
    await b.send('1');
    await b.clock.advance(0);
    const drained = track(b.archiver.drain(), b.clock);
    await b.clock.advance(0);
    expect(drained.state).toBe('pending');
    b.sink.release();
    await b.clock.advance(0);
    expect(drained.value).toEqual({ outcome: 'settled' });
  });

  it('is settled-only on an archiver that is not running', async () => {
    const b = await drainBench();
    await b.archiver.stop();
    expect(await b.archiver.drain({ caughtUp: true })).toEqual({ outcome: 'settled' });
  });

  it('leaves no timer behind', async () => {
    const b = await drainBench();
    await b.send('1');
    const drained = track(b.archiver.drain({ caughtUp: true }), b.clock);
    await b.clock.advance(100);
    expect(drained.state).toBe('resolved');
    expect(b.clock.pendingTimers).toBe(0);
  });
});
