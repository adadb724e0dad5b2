/**
 * The control channel on the memory transport and virtual time: a controller publishes a spec,
 * every front end applies a higher version and reports it, an invalid spec is rejected and never
 * applied, queries are answered, and a front end that starts later adopts the current version.
 */
import {
  ConfigurationError,
  DEFAULT_STREAMS,
  ModelWorker,
  PolicyController,
  priority,
  Rendezvous,
  type RendezvousOptions,
  type RendezvousResult,
  VirtualClock,
} from '@rendezvous-ml/core';
import { type ControlMessage, decodeControlMessage } from '@rendezvous-ml/core/wire';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { type Script, scripted, tapChannel, track } from './harness.js';

const CONTROL = DEFAULT_STREAMS.control;

interface World {
  readonly clock: VirtualClock;
  readonly broker: MemoryBroker;
  frontEnd(instanceId: string, options?: Partial<RendezvousOptions>): Promise<Rendezvous>;
  controller(): Promise<PolicyController>;
  /** Everything broadcast on the control channel, decoded. */
  readonly seen: ControlMessage[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function world(models: readonly string[] = ['dt@1', 'dt@2']): Promise<World> {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker();
  const tap = new MemoryTransport({ broker });
  const raw = await tapChannel(tap, CONTROL);
  const decoded = (): ControlMessage[] =>
    raw.flatMap((m) => {
      const d = decodeControlMessage(m.payload);
      return d.ok && d.value ? [d.value] : [];
    });
  for (const key of models) {
    const [name, version] = key.split('@') as [string, string];
    const worker = new ModelWorker({
      transport: new MemoryTransport({ broker }),
      model: { name, version, instance: `${key}-a` },
      predict: scripted(key, clock),
      clock,
    });
    await worker.start();
    closers.push(() => worker.stop());
  }
  await clock.tick();
  return {
    clock,
    broker,
    get seen() {
      return decoded();
    },
    async frontEnd(instanceId, options = {}) {
      const fe = new Rendezvous({
        transport: new MemoryTransport({ broker }),
        policy: priority({ order: ['dt@1', 'dt@2'] }),
        clock,
        instanceId,
        discoveryMs: 0,
        control: true,
        ...options,
      });
      const starting = fe.start();
      await clock.advance(options.discoveryMs ?? 0);
      await starting;
      await clock.tick();
      closers.push(async () => {
        const closing = fe.close();
        await clock.advance(2000);
        await closing;
      });
      return fe;
    },
    async controller() {
      const c = new PolicyController({
        transport: new MemoryTransport({ broker }),
        clock,
        queryMs: 30,
      });
      const starting = c.start();
      await clock.advance(30);
      await starting;
      closers.push(() => c.stop());
      return c;
    },
  } as World;
}

const CANARY = { policy: 'split', weights: { 'dt@2': 1 }, fallback: ['dt@1'] } as const;

describe('PolicyController and front ends on the control channel', () => {
  it('publishes a spec that every front end applies and reports; new requests use it', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a');
    const b = await w.frontEnd('fe-b');
    const controller = await w.controller();
    expect(
      controller
        .frontEnds()
        .map((r) => [r.instance, r.version])
        .sort(),
    ).toEqual([
      ['fe-a', undefined],
      ['fe-b', undefined],
    ]);
    const script: Script = { 'dt@1': { ms: 20 }, 'dt@2': { ms: 10 } };
    const inFlight = track(a.request(script, { id: 'old' }), w.clock);
    const publishing = controller.publish(CANARY);
    await w.clock.tick();
    const report = await publishing;
    expect(report.version).toBe(1);
    expect(report.applied.map((r) => r.instance).sort()).toEqual(['fe-a', 'fe-b']);
    expect(report.rejected).toEqual([]);
    expect(report.elapsedMs).toBe(0);
    for (const fe of [a, b]) expect(fe.policy()).toEqual({ name: 'split(dt@2:1)', version: 1 });
    const fresh = track(b.request(script, { id: 'new' }), w.clock);
    await w.clock.advance(50);
    expect(inFlight.value?.decidedBy).toMatchObject({ policy: 'priority(dt@1 > dt@2)' });
    expect(inFlight.value?.decidedBy.policyVersion).toBeUndefined();
    expect(inFlight.value?.chosen?.model.version).toBe('1');
    expect(fresh.value?.decidedBy).toMatchObject({ policy: 'split(dt@2:1)', policyVersion: 1 });
    expect(fresh.value?.chosen?.model.version).toBe('2');
    expect(controller.frontEnds().every((r) => r.version === 1)).toBe(true);
  });

  it('rejects an invalid spec with a report naming the JSON pointer, and never applies it', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a');
    const controller = await w.controller();
    await controller.publish(CANARY, { expect: 1 });
    // A controller validates before sending: nothing goes out for an invalid spec.
    const before = w.seen.length;
    const bad = {
      policy: 'shadow',
      models: ['dt@2'],
      inner: { policy: 'split', weights: { 'dt@2': -1 } },
    };
    await expect(controller.publish(bad as never)).rejects.toThrow(ConfigurationError);
    await w.clock.tick();
    expect(w.seen.length).toBe(before);
    // Another writer sends it anyway: the front end refuses it and keeps version 1.
    const rejected: ControlMessage[] = [];
    controller.events$.subscribe((m) => m.kind === 'rejected' && rejected.push(m));
    await new MemoryTransport({ broker: w.broker }).broadcast(
      CONTROL,
      JSON.stringify({ v: 1, kind: 'policy', version: 5, spec: bad, ts: 0 }),
    );
    await w.clock.tick();
    expect(rejected).toEqual([
      expect.objectContaining({
        kind: 'rejected',
        instance: 'fe-a',
        version: 5,
        policy: 'split(dt@2:1)',
        reason: expect.stringContaining('at /inner/weights/dt@2'),
      }),
    ]);
    expect(a.policy()).toEqual({ name: 'split(dt@2:1)', version: 1 });
    // The next version is above the rejected one, and applies.
    const report = await controller.publish({ policy: 'first' }, { expect: 1 });
    expect(report.version).toBe(6);
    expect(a.policy()).toEqual({ name: 'first', version: 6 });
  });

  it('ignores a version that is not higher than the one it runs', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a');
    const controller = await w.controller();
    await controller.publish({ policy: 'first' }, { version: 4, expect: 1 });
    const sender = new MemoryTransport({ broker: w.broker });
    for (const [version, spec] of [
      [4, { policy: 'first' }],
      [3, { policy: 'latestVersion' }],
      [4, { policy: 'first', extra: 1 }], // same version, sorts lower: not even checked
    ] as const) {
      await sender.broadcast(
        CONTROL,
        JSON.stringify({ v: 1, kind: 'policy', version, spec, ts: 0 }),
      );
    }
    await w.clock.tick();
    expect(a.policy()).toEqual({ name: 'first', version: 4 });
    expect(w.seen.filter((m) => m.kind === 'applied' && m.version === 4)).toHaveLength(1);
    expect(w.seen.filter((m) => m.kind === 'rejected')).toEqual([]);
  });

  it('converges when two controllers publish the same version with different specs', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a');
    const b = await w.frontEnd('fe-b');
    // Each front end got a different one of the two first (as arrival order may have it)...
    const x = { policy: 'first' } as const;
    const y = { policy: 'latestVersion' } as const;
    a.setPolicy(x, { version: 2 });
    b.setPolicy(y, { version: 2 });
    // ...then both hear both: they end on the same one, whatever the order.
    const sender = new MemoryTransport({ broker: w.broker });
    for (const spec of [x, y, x])
      await sender.broadcast(
        CONTROL,
        JSON.stringify({ v: 1, kind: 'policy', version: 2, spec, ts: 0 }),
      );
    await w.clock.tick();
    expect(a.policy()).toEqual({ name: 'latestVersion', version: 2 });
    expect(b.policy()).toEqual({ name: 'latestVersion', version: 2 });
  });

  it('a front end that starts later asks and adopts the highest version answered', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a');
    const b = await w.frontEnd('fe-b');
    const controller = await w.controller();
    await controller.publish({ policy: 'first' }, { expect: 2 });
    // fe-b is told of a newer version alone (as if fe-a had missed it).
    b.setPolicy(CANARY, { version: 3 });
    const c = await w.frontEnd('fe-c', { discoveryMs: 90 });
    expect(c.policy()).toEqual({ name: 'split(dt@2:1)', version: 3 });
    // fe-a heard fe-b's answer to the query too, and caught up.
    expect(a.policy()).toEqual({ name: 'split(dt@2:1)', version: 3 });
    expect(
      controller
        .frontEnds()
        .map((r) => [r.instance, r.version])
        .sort(),
    ).toEqual([
      ['fe-a', 3],
      ['fe-b', 3],
      ['fe-c', 3],
    ]);
  });

  it("a front end that missed a publish catches up from another front end's report", async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a', { control: { reportIntervalMs: 1000 } });
    const b = await w.frontEnd('fe-b', { control: { reportIntervalMs: 1000 } });
    // fe-b alone runs version 3 (fe-a missed its broadcast): its report makes fe-a ask.
    b.setPolicy(CANARY, { version: 3 });
    await w.clock.tick();
    expect(a.policy()).toEqual({ name: 'split(dt@2:1)', version: 3 });
    // At most one query a second, however many reports say it is behind.
    const queries = () => w.seen.filter((m) => m.kind === 'query' && m.instance === 'fe-a').length;
    const before = queries();
    b.setPolicy(CANARY, { version: 4 });
    b.setPolicy(CANARY, { version: 5 });
    await w.clock.tick();
    expect(queries() - before).toBeLessThanOrEqual(1);
    await w.clock.advance(1000);
    expect(a.policy()).toEqual({ name: 'split(dt@2:1)', version: 5 });
  });

  it('reports what it runs periodically, and stops on close', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a', { control: { reportIntervalMs: 1000 } });
    await w.clock.advance(3000);
    const reports = () => w.seen.filter((m) => m.kind === 'applied' && m.instance === 'fe-a');
    expect(reports().length).toBe(3);
    const closing = a.close();
    await w.clock.advance(10);
    await closing;
    await w.clock.advance(5000);
    expect(reports().length).toBe(3);
    await new MemoryTransport({ broker: w.broker }).broadcast(
      CONTROL,
      JSON.stringify({ v: 1, kind: 'policy', version: 1, spec: { policy: 'first' }, ts: 0 }),
    );
    await w.clock.tick();
    expect(a.policy().version).toBeUndefined();
  });

  it('ignores invalid control messages and kinds it does not know', async () => {
    const w = await world();
    const a = await w.frontEnd('fe-a');
    const sender = new MemoryTransport({ broker: w.broker });
    for (const payload of [
      '{',
      '[]',
      '{"v":2,"kind":"policy"}',
      '{"v":1,"kind":"later","ts":0}',
      '{"v":1,"kind":"policy","version":-1,"spec":{},"ts":0}',
    ])
      await sender.broadcast(CONTROL, payload);
    await w.clock.tick();
    const r = track(a.request({ 'dt@1': { ms: 5 } }), w.clock);
    await w.clock.advance(10);
    expect((r.value as RendezvousResult | undefined)?.chosen?.model.version).toBe('1');
    expect(a.policy()).toEqual({ name: 'priority(dt@1 > dt@2)', version: undefined });
  });
});

describe('decodeControlMessage', () => {
  it('reads every kind, ignores unknown kinds and names the field of an invalid one', () => {
    const retire = decodeControlMessage(
      '{"v":1,"kind":"retire","model":{"name":"dt","version":"1"},"ts":5}',
    );
    expect(retire).toEqual({
      ok: true,
      value: { v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: 5 },
    });
    expect(decodeControlMessage('{"v":1,"kind":"later","ts":0}')).toEqual({
      ok: true,
      value: undefined,
    });
    const bad = decodeControlMessage('{"v":1,"kind":"retire","model":{"name":"dt"},"ts":5}');
    expect(bad.ok === false && bad.error.path).toBe('/model/version');
    const applied = decodeControlMessage(
      '{"v":1,"kind":"applied","instance":"fe","policy":"first","ts":1}',
    );
    expect(applied.ok && applied.value).toEqual({
      v: 1,
      kind: 'applied',
      instance: 'fe',
      policy: 'first',
      ts: 1,
    });
    const version = decodeControlMessage('{"v":1,"kind":"policy","version":1.5,"spec":{},"ts":1}');
    expect(version.ok === false && version.error.path).toBe('/version');
  });
});
