import {
  type Json,
  latestVersion,
  ModelWorker,
  modelKey,
  Rendezvous,
  type Transport,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { track } from './harness.js';
import { LateListen } from './transport-wrappers.js';

/**
 * Two versions of one model, both serving before the front end starts. dt@1 answers in 1 ms,
 * dt@2 in 5 ms; heartbeats are rare, so only the front end's probes can reveal them in time.
 */
async function twoVersions(clock: VirtualClock, broker: MemoryBroker): Promise<ModelWorker[]> {
  const workers = ['1', '2'].map(
    (version) =>
      new ModelWorker({
        transport: new MemoryTransport({ broker }),
        clock,
        model: { name: 'dt', version, instance: `dt-${version}` },
        heartbeatIntervalMs: 60_000,
        predict: () =>
          new Promise<Json>((resolve) =>
            clock.setTimeout(() => resolve(`v${version}`), version === '1' ? 1 : 5),
          ),
      }),
  );
  for (const w of workers) await w.start();
  await clock.tick();
  return workers;
}

/**
 * `await start()` then `then()` at once, as a caller would: `then` runs in the same microtask
 * turn as start()'s resolution. Virtual time moves on only while start() is pending.
 */
async function startThen<T>(rv: Rendezvous, clock: VirtualClock, then: () => T): Promise<T> {
  const started = track(rv.start().then(then), clock);
  while (started.state === 'pending' && clock.now() < 10_000) {
    await clock.tick();
    if (started.state === 'pending') await clock.advance(1);
  }
  if (started.state === 'rejected') throw started.error;
  return started.value as T;
}

async function firstTenAnswers(transport: Transport, clock: VirtualClock): Promise<string[]> {
  const rv = new Rendezvous({ transport, clock, policy: latestVersion(), deadlineMs: 1000 });
  const { live, answers } = await startThen(rv, clock, () => ({
    // Discovery is over when start() resolves: the registry already knows both versions.
    live: rv.registry.live().map(modelKey).sort(),
    answers: Array.from({ length: 10 }, () => track(rv.request({}), clock)),
  }));
  expect(live).toEqual(['dt@1', 'dt@2']);
  await clock.advance(10);
  const chosen = answers.map((a) => (a.value ? modelKey(a.value.chosen!.model) : String(a.error)));
  await rv.stop();
  return chosen;
}

describe('Rendezvous: model discovery at start', () => {
  it('the first 10 requests after `await start()` are answered by the latest live version', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker();
    const workers = await twoVersions(clock, broker);
    const chosen = await firstTenAnswers(new MemoryTransport({ broker }), clock);
    expect(chosen).toEqual(Array.from({ length: 10 }, () => 'dt@2'));
    for (const w of workers) await w.stop();
  });

  it('still finds both versions when the heartbeat subscription becomes active only after the first probe', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker();
    const workers = await twoVersions(clock, broker);
    const transport = new LateListen(new MemoryTransport({ broker }), clock, 50);
    const chosen = await firstTenAnswers(transport, clock);
    expect(chosen).toEqual(Array.from({ length: 10 }, () => 'dt@2'));
    for (const w of workers) await w.stop();
  });

  it('start() resolves after the discovery window, probing several times within it', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const probes: number[] = [];
    transport.listen('heartbeats').subscribe((m) => {
      if (JSON.parse(m.payload).kind === 'probe') probes.push(clock.now());
    });
    const rv = new Rendezvous({ transport, clock, policy: latestVersion(), discoveryMs: 300 });
    expect(await startThen(rv, clock, () => clock.now())).toBe(300);
    expect(probes.length).toBeGreaterThanOrEqual(3);
    expect(probes.every((t) => t < 300)).toBe(true);
    await rv.stop();
  });

  it('discoveryMs 0 disables the window: start() resolves without moving time, after one probe', async () => {
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    let probes = 0;
    transport.listen('heartbeats').subscribe(() => probes++);
    const rv = new Rendezvous({ transport, clock, policy: latestVersion(), discoveryMs: 0 });
    await rv.start();
    await clock.tick();
    expect(probes).toBe(1);
    expect(clock.now()).toBe(0);
    await rv.stop();
  });
});
