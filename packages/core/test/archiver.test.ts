import {
  Archiver,
  type ArchiverEvent,
  type ArchiverOptions,
  type ArchiveSink,
  ConfigurationError,
  type DeadLetterRecord,
  Decoy,
  first,
  type Json,
  SinkWriteError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { encodeEnvelope } from '@rendezvous-ml/core/wire';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { AckSpyTransport, frontEndRig, RecordingSink, tapStream, track } from './harness.js';

async function archiverBench(
  options: Partial<ArchiverOptions> = {},
  sinks: ArchiveSink[] = [new RecordingSink()],
) {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock });
  const caller = new MemoryTransport({ broker });
  const spy = new AckSpyTransport(new MemoryTransport({ broker }));
  const archiver = new Archiver({
    transport: spy,
    source: 'requests',
    sinks,
    clock,
    batchSize: 3,
    flushIntervalMs: 1000,
    consumer: 'archiver-1',
    ...options,
  });
  const events: ArchiverEvent[] = [];
  let completed = false;
  archiver.events$.subscribe({
    next: (e) => events.push(e),
    complete: () => {
      completed = true;
    },
  });
  await archiver.start();
  const send = async (...ids: string[]) => {
    for (const id of ids) {
      await caller.publish('requests', {
        key: id,
        payload: encodeEnvelope({
          v: 1,
          id,
          ts: clock.now(),
          deadline: clock.now() + 1000,
          replyTo: 'nowhere',
          input: { id },
          meta: {},
        }),
      });
    }
    await clock.tick();
  };
  return {
    clock,
    broker,
    caller,
    spy,
    archiver,
    events,
    send,
    sink: sinks[0] as RecordingSink,
    completed: () => completed,
  };
}

describe('Archiver: batching', () => {
  it('writes a batch as soon as it holds batchSize records, and the rest after flushIntervalMs', async () => {
    const b = await archiverBench();
    await b.send('1', '2', '3', '4', '5', '6', '7');
    expect(b.sink.batches.map((x) => x.map((r) => r.id))).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    expect(b.spy.acked).toHaveLength(6);
    expect(b.archiver.stats()).toMatchObject({ archived: 6, batches: 2, pending: 1 });
    await b.clock.advance(999);
    expect(b.sink.batches).toHaveLength(2);
    await b.clock.advance(1);
    expect(b.sink.batches.map((x) => x.length)).toEqual([3, 3, 1]);
    expect(b.spy.acked).toHaveLength(7);
    expect(b.archiver.stats()).toMatchObject({ archived: 7, batches: 3, pending: 0 });
    expect(b.events).toEqual([
      { type: 'flushed', records: 3 },
      { type: 'flushed', records: 3 },
      { type: 'flushed', records: 1 },
    ]);
  });

  it('a partial batch waits at most flushIntervalMs from its first record', async () => {
    const b = await archiverBench({ batchSize: 100, flushIntervalMs: 200 });
    await b.send('a');
    await b.clock.advance(150);
    await b.send('b');
    await b.clock.advance(49);
    expect(b.sink.batches).toEqual([]);
    await b.clock.advance(1);
    expect(b.sink.batches.map((x) => x.map((r) => r.id))).toEqual([['a', 'b']]);
    await b.send('c');
    await b.clock.advance(200);
    expect(b.sink.batches.map((x) => x.map((r) => r.id))).toEqual([['a', 'b'], ['c']]);
  });

  it('archives request records with their envelope and an id derived from the request id', async () => {
    const b = await archiverBench({ batchSize: 1 });
    await b.clock.advance(42);
    await b.send('r9');
    expect(b.sink.records).toEqual([
      {
        kind: 'request',
        id: 'r9',
        requestId: 'r9',
        archivedAt: 42,
        request: expect.objectContaining({ id: 'r9', input: { id: 'r9' }, v: 1 }),
      },
    ]);
  });
});

describe('Archiver: acknowledgement after write', () => {
  it('leaves messages unacknowledged while a sink write is held open, and acks when every sink has written', async () => {
    const fast = new RecordingSink();
    const slow = new RecordingSink();
    slow.hold();
    const b = await archiverBench({}, [fast, slow]);
    await b.send('1', '2', '3');
    await b.clock.advance(100);
    expect(fast.records).toHaveLength(3);
    expect(slow.records).toHaveLength(0);
    expect(b.spy.acked).toEqual([]);
    expect(b.archiver.stats()).toMatchObject({ archived: 0, pending: 3 });
    slow.release();
    await b.clock.tick();
    expect(slow.records).toHaveLength(3);
    expect(b.spy.acked).toHaveLength(3);
    expect(b.archiver.stats()).toMatchObject({ archived: 3, pending: 0 });
  });

  it('does not acknowledge a batch a sink failed to write: it hands it back, and another member archives it', async () => {
    const broken = new RecordingSink();
    broken.failWith = new SinkWriteError('disk full', { retryable: false });
    const b = await archiverBench({ writeRetry: { attempts: 3 } }, [broken]);
    await b.send('1', '2', '3');
    expect(b.spy.acked).toEqual([]);
    expect(b.spy.released).toHaveLength(3);
    expect(b.archiver.stats()).toMatchObject({ failedBatches: 1, archived: 0, released: 3 });
    expect(b.events).toHaveLength(1);
    const failed = b.events[0]!;
    expect(failed.type).toBe('write-failed');
    expect(failed.type === 'write-failed' && failed.records).toBe(3);
    expect(failed.type === 'write-failed' && failed.error.code).toBe('SINK_WRITE_FAILED');
    expect(failed.type === 'write-failed' && failed.retryInMs).toBe(500);

    await b.archiver.stop();
    const good = new RecordingSink();
    const other = new Archiver({
      transport: new MemoryTransport({ broker: b.broker }),
      source: 'requests',
      sinks: [good],
      clock: b.clock,
      batchSize: 3,
    });
    await other.start();
    await b.clock.advance(500);
    expect(good.records.map((r) => r.id)).toEqual(['1', '2', '3']);
    await other.stop();
  });

  it('retries a failed write with backoff on the clock before giving up', async () => {
    let attempts = 0;
    const flaky = new RecordingSink();
    const write = flaky.write.bind(flaky);
    flaky.write = async (records) => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
      return write(records);
    };
    const b = await archiverBench({ writeRetry: { attempts: 2, initialDelayMs: 20 } }, [flaky]);
    await b.send('1', '2', '3');
    expect(attempts).toBe(1);
    expect(b.spy.acked).toEqual([]);
    await b.clock.advance(20);
    expect(attempts).toBe(2);
    expect(b.spy.acked).toHaveLength(3);
    expect(b.archiver.stats().failedBatches).toBe(0);
  });
});

describe('Archiver: stop', () => {
  it('stop() writes and acknowledges the partial batch, closes the sinks and completes events$', async () => {
    const b = await archiverBench({ batchSize: 100, flushIntervalMs: 60_000 });
    await b.send('1', '2');
    expect(b.sink.batches).toEqual([]);
    const stopping = track(b.archiver.stop(), b.clock);
    await b.clock.tick();
    expect(stopping.state).toBe('resolved');
    expect(b.clock.now()).toBe(0);
    expect(b.sink.records.map((r) => r.id)).toEqual(['1', '2']);
    expect(b.spy.acked).toHaveLength(2);
    expect(b.sink.closed).toBe(true);
    expect(b.completed()).toBe(true);
    expect(b.clock.pendingTimers).toBe(0);
    await b.send('3');
    expect(b.sink.records).toHaveLength(2);
  });

  it('stop() waits for a write in progress before closing the sinks', async () => {
    const b = await archiverBench({ batchSize: 2 });
    b.sink.hold();
    await b.send('1', '2');
    const stopping = track(b.archiver.stop(), b.clock);
    await b.clock.tick();
    expect(stopping.state).toBe('pending');
    expect(b.sink.closed).toBe(false);
    b.sink.release();
    await b.clock.tick();
    expect(stopping.state).toBe('resolved');
    expect(b.spy.acked).toHaveLength(2);
    expect(b.sink.closed).toBe(true);
  });
});

describe('Archiver: invalid messages and configuration', () => {
  it('dead-letters, counts and acknowledges an invalid envelope; valid ones are archived', async () => {
    const b = await archiverBench({ batchSize: 1 });
    const dead = await tapStream(b.caller, 'dead-letter');
    await b.caller.publish('requests', { payload: '{oops' });
    await b.send('ok');
    expect(b.sink.records.map((r) => r.id)).toEqual(['ok']);
    expect(b.archiver.stats().deadLettered).toBe(1);
    expect(b.spy.acked).toHaveLength(2);
    const record = JSON.parse(dead[0]!.payload) as DeadLetterRecord;
    expect(record).toMatchObject({
      component: 'archiver archiver:requests',
      payload: '{oops',
      reason: { code: 'INVALID_ENVELOPE' },
    });
  });

  it('rejects a configuration it cannot honour', () => {
    const transport = new MemoryTransport();
    const sink = new RecordingSink();
    expect(() => new Archiver({ transport, source: 'requests', sinks: [] })).toThrow(
      ConfigurationError,
    );
    expect(
      () => new Archiver({ transport, source: 'requests', sinks: [sink], batchSize: 0 }),
    ).toThrow(ConfigurationError);
    const noTap = Object.assign(Object.create(transport) as MemoryTransport, {
      capabilities: { ...transport.capabilities, replyTap: false },
    });
    expect(() => new Archiver({ transport: noTap, source: 'scores', sinks: [sink] })).toThrow(
      ConfigurationError,
    );
  });
});

describe('Decoy and score archiver in a running system', () => {
  it('the decoy archives every input as it was and never scores', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const sink = new RecordingSink();
    const decoy = new Decoy({
      transport: new MemoryTransport({ broker: b.broker }),
      sinks: [sink],
      clock: b.clock,
      batchSize: 10,
      flushIntervalMs: 100,
    });
    await decoy.start();
    const inputs: Json[] = [{ 'a@1': { ms: 5 }, n: 1 }, { 'a@1': { ms: 5 }, n: 2 }, { n: 3 }];
    const answers = inputs.map((input, i) =>
      track(b.rendezvous.request(input, { id: `r${i}`, meta: { tenant: 't' } }), b.clock),
    );
    await b.clock.advance(1000);
    expect(answers.map((a) => a.state)).toEqual(['resolved', 'resolved', 'rejected']);
    expect(
      sink.records.map((r) => r.kind === 'request' && [r.id, r.request.input, r.request.meta]),
    ).toEqual([
      ['r0', inputs[0], { tenant: 't' }],
      ['r1', inputs[1], { tenant: 't' }],
      ['r2', inputs[2], { tenant: 't' }],
    ]);
    // It is not a model: not alive in the registry, no candidate, no score.
    expect(b.rendezvous.registry.live().map((m) => m.name)).toEqual(['a']);
    for (const r of b.results) expect(r.candidates.map((c) => c.model.name)).toEqual(['a']);
    expect(decoy.stats()).toMatchObject({ archived: 3, pending: 0 });
    await decoy.stop();
    expect(sink.closed).toBe(true);
    await b.close();
  });

  it('the score archiver sees every score, late ones included, with ids from request and model', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1']);
    const sink = new RecordingSink();
    const scores = new Archiver({
      transport: new MemoryTransport({ broker: b.broker }),
      source: 'scores',
      sinks: [sink],
      clock: b.clock,
      batchSize: 100,
      flushIntervalMs: 50,
    });
    await scores.start();
    const t = track(
      b.rendezvous.request({ 'a@1': { ms: 10 }, 'b@1': { ms: 20, fail: 'x' } }, { id: 'r' }),
      b.clock,
    );
    await b.clock.advance(100);
    expect(t.value?.chosen?.model.name).toBe('a');
    expect(b.results[0]!.late.map((c) => c.model.name)).toEqual(['b']);
    expect(sink.records.map((r) => r.kind === 'score' && [r.id, r.score.ok])).toEqual([
      ['r:a@1', true],
      ['r:b@1', false],
    ]);
    await scores.stop();
    await b.close();
  });
});
