/**
 * The PolicyController's own edges, and the front end's control lifecycle, on virtual time:
 * nobody listening, a stop during a publish, retire, options that are wrong, a close during the
 * start window.
 */
import {
  ConfigurationError,
  DEFAULT_STREAMS,
  first,
  NotStartedError,
  PolicyController,
  Rendezvous,
  VirtualClock,
} from '@rendezvous-ml/core';
import { decodeControlMessage } from '@rendezvous-ml/core/wire';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { tapChannel, track } from './harness.js';

const setup = () => {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker();
  const controller = new PolicyController({
    transport: new MemoryTransport({ broker }),
    clock,
    queryMs: 0,
  });
  return { clock, broker, controller };
};

describe('PolicyController', () => {
  it('shares the component lifecycle: a stop ends the start window at once; stopped means stopped', async () => {
    const clock = new VirtualClock(0);
    const controller = new PolicyController({
      transport: new MemoryTransport({ broker: new MemoryBroker() }),
      clock,
      queryMs: 3000,
    });
    const start = track(controller.start(), clock);
    await clock.tick();
    expect(start.state).toBe('pending'); // in its query window
    const stop = track(controller.stop(), clock);
    await clock.tick();
    expect(start.state).toBe('resolved');
    expect(stop).toMatchObject({ state: 'resolved', at: 0 });
    expect(clock.pendingTimers).toBe(0);
    await expect(controller.publish({ policy: 'first' })).rejects.toThrow(
      'PolicyController is stopped: create a new PolicyController to publish again',
    );
    await expect(controller.start()).rejects.toThrow(NotStartedError);
    expect(controller.stop()).toBe(controller.stop());
  });

  it('a start whose query cannot be sent rejects, and can be retried', async () => {
    const broker = new MemoryBroker();
    const transport = new MemoryTransport({ broker });
    const broadcast = transport.broadcast.bind(transport);
    let failures = 1;
    transport.broadcast = (channel, payload) =>
      failures-- > 0 ? Promise.reject(new Error('broker down')) : broadcast(channel, payload);
    const clock = new VirtualClock(0);
    const controller = new PolicyController({ transport, clock, queryMs: 0 });
    await expect(controller.start()).rejects.toThrow('broker down');
    await expect(controller.publish({ policy: 'first' })).rejects.toThrow('not started');
    await controller.start();
    const report = track(controller.publish({ policy: 'first' }, { waitMs: 10 }), clock);
    await clock.advance(10);
    expect(report.value?.version).toBe(1);
    await controller.stop();
  });

  it('refuses to publish before start()', async () => {
    const { controller } = setup();
    await expect(controller.publish({ policy: 'first' })).rejects.toThrow(NotStartedError);
  });

  it('with no front end listening, waits waitMs and reports nobody', async () => {
    const { clock, controller } = setup();
    await controller.start();
    const report = track(controller.publish({ policy: 'first' }, { waitMs: 500 }), clock);
    await clock.advance(499);
    expect(report.state).toBe('pending');
    await clock.advance(1);
    expect(report.value).toEqual({ version: 1, applied: [], rejected: [], elapsedMs: 500 });
    expect(controller.version).toBe(1);
    await controller.stop();
  });

  it('forgets a front end not heard from for staleMs, and does not wait for it', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker();
    const fe = new Rendezvous({
      transport: new MemoryTransport({ broker }),
      policy: first(),
      clock,
      discoveryMs: 0,
      control: { reportIntervalMs: 1000 },
      instanceId: 'fe-a',
    });
    await fe.start();
    const controller = new PolicyController({
      transport: new MemoryTransport({ broker }),
      clock,
      queryMs: 0,
      staleMs: 2500,
    });
    await controller.start();
    await clock.tick();
    expect(controller.frontEnds().map((r) => r.instance)).toEqual(['fe-a']);
    await clock.advance(5000); // still reporting every second: still listed
    expect(controller.frontEnds().map((r) => r.instance)).toEqual(['fe-a']);
    const closing = fe.close();
    await clock.advance(10);
    await closing;
    await clock.advance(2600);
    expect(controller.frontEnds()).toEqual([]);
    // The closed front end is not waited for; knowing of none, a publish listens for waitMs.
    const report = track(controller.publish({ policy: 'first' }, { waitMs: 100 }), clock);
    await clock.advance(100);
    expect(report.value?.applied).toEqual([]);
    await controller.stop();
  });

  it('a stop during a publish ends its wait at once', async () => {
    const { clock, controller } = setup();
    await controller.start();
    const report = track(controller.publish({ policy: 'first' }, { waitMs: 10_000 }), clock);
    await clock.tick();
    await controller.stop();
    await clock.tick();
    expect(report).toMatchObject({ state: 'resolved', at: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses a version that is not above the highest seen, and an invalid spec, sending nothing', async () => {
    const { clock, broker, controller } = setup();
    const seen = await tapChannel(new MemoryTransport({ broker }), DEFAULT_STREAMS.control);
    await controller.start();
    await clock.tick();
    const queries = seen.length;
    const published = track(
      controller.publish({ policy: 'first' }, { version: 3, waitMs: 1 }),
      clock,
    );
    await clock.advance(1);
    expect(published.value?.version).toBe(3);
    await expect(controller.publish({ policy: 'first' }, { version: 3 })).rejects.toThrow(
      /version must be an integer above 3/,
    );
    await expect(controller.publish({ policy: 'quorum', k: 0 })).rejects.toThrow(
      ConfigurationError,
    );
    await clock.tick();
    expect(seen.length).toBe(queries + 1);
    await controller.stop();
  });

  it('retire() sends a retire message that decodes', async () => {
    const { clock, broker, controller } = setup();
    const seen = await tapChannel(new MemoryTransport({ broker }), DEFAULT_STREAMS.control);
    await controller.start();
    await controller.retire({ name: 'dt', version: '1' });
    await clock.tick();
    const decoded = seen.map((m) => decodeControlMessage(m.payload));
    expect(decoded.at(-1)).toEqual({
      ok: true,
      value: { v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 0 },
    });
    await controller.stop();
  });
});

describe('Rendezvous control option', () => {
  it('is checked at construction', () => {
    const transport = new MemoryTransport({ broker: new MemoryBroker() });
    for (const control of [{ channel: '' }, { reportIntervalMs: 0 }, 'yes'])
      expect(
        () => new Rendezvous({ transport, policy: first(), control: control as never }),
      ).toThrow(ConfigurationError);
  });

  it('a close during the start window wins: start resolves, nothing is left listening', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker();
    const fe = new Rendezvous({
      transport: new MemoryTransport({ broker }),
      policy: first(),
      clock,
      discoveryMs: 300,
      control: true,
    });
    const started = track(fe.start(), clock);
    await clock.advance(50);
    await fe.close();
    await clock.tick();
    expect(started.state).toBe('resolved');
    expect(clock.pendingTimers).toBe(0);
    const seen = await tapChannel(new MemoryTransport({ broker }), DEFAULT_STREAMS.control);
    await new MemoryTransport({ broker }).broadcast(
      DEFAULT_STREAMS.control,
      JSON.stringify({ v: 1, kind: 'query', ts: 0 }),
    );
    await clock.tick();
    expect(seen.map((m) => JSON.parse(m.payload).kind)).toEqual(['query']);
  });
});
