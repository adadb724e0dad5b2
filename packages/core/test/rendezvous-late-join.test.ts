import { latestVersion, modelKey, priority } from '@rendezvous-ml/core';
import { decodeHeartbeat } from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';
import { after, frontEndRig, type Script, track } from './harness.js';
import { START, workerRig } from './model-worker-rig.js';

const keys = (models: readonly { name: string; version: string }[]) => models.map(modelKey).sort();

describe('Rendezvous: a model version that joins while requests are in flight', () => {
  it('is not waited for by the 100 requests in flight when it joins; requests started after do wait for it', async () => {
    const b = await frontEndRig(latestVersion(), []);
    await b.addWorker('dt@1', { concurrency: 100 }); // all 100 predict at once
    const script: Script = { 'dt@1': { ms: 50 }, 'dt@2': { ms: 5 } };
    const inFlight = Array.from({ length: 100 }, () =>
      track(b.rendezvous.request(script), b.clock),
    );
    await b.clock.advance(10);
    await b.addWorker('dt@2'); // its group begins now: it never gets the 100 requests
    expect(keys(b.rendezvous.registry.live())).toEqual(['dt@1', 'dt@2']);
    expect(keys(b.rendezvous.registry.live(0))).toEqual(['dt@1']);
    expect(b.rendezvous.registry.firstSeen({ name: 'dt', version: '2' })).toBe(10);

    await b.clock.advance(40); // t = 50: dt@1 answers; without the rule they would wait until 1000
    expect(inFlight.map((t) => t.state)).toEqual(Array(100).fill('resolved'));
    expect(new Set(inFlight.map((t) => t.at))).toEqual(new Set([50]));
    for (const t of inFlight) {
      expect(modelKey(t.value!.chosen!.model)).toBe('dt@1');
      // dt@2 is not awaited, so it is not listed as a pending candidate either.
      expect(t.value!.candidates.map((c) => modelKey(c.model))).toEqual(['dt@1']);
    }
    expect(b.calls.filter((c) => c === 'dt@2')).toHaveLength(0);

    // Started after dt@2 was seen: dt@1 answers first, but dt@2 is newer and can get it.
    const later = track(
      b.rendezvous.request({ 'dt@1': { ms: 5 }, 'dt@2': { ms: 30 } } satisfies Script),
      b.clock,
    );
    await b.clock.advance(5);
    expect(later.state).toBe('pending');
    await b.clock.advance(25);
    expect(later.state).toBe('resolved');
    expect(modelKey(later.value!.chosen!.model)).toBe('dt@2');
    await b.close();
    expect(b.rendezvous.stats()).toMatchObject({ failed: 0, inFlight: 0, openMailboxes: 0 });
  });

  it('a request started in the same millisecond as the join, after it, waits for the new version', async () => {
    const b = await frontEndRig(latestVersion(), ['dt@1']);
    await b.clock.advance(10);
    await b.addWorker('dt@2');
    const t = track(b.rendezvous.request({ 'dt@1': { ms: 1 }, 'dt@2': { ms: 20 } }), b.clock);
    await b.clock.advance(20);
    expect(t.at).toBe(30);
    expect(modelKey(t.value!.chosen!.model)).toBe('dt@2');
    await b.close();
  });

  it('a version that leaves and comes back is "first seen" again, and its scores for older requests still count', async () => {
    const b = await frontEndRig(priority({ order: ['lr', 'dt'] }), ['dt@1', 'lr@1']);
    const lr = b.workers.get('lr@1')!;
    await lr.worker.stop(); // lr@1 leaves; its group stays, so it keeps what is published now
    await b.clock.advance(100);
    expect(keys(b.rendezvous.registry.live())).toEqual(['dt@1']);
    const t = track(
      b.rendezvous.request({ 'dt@1': { ms: 100 }, 'lr@1': { ms: 10 } } satisfies Script),
      b.clock,
    );
    await b.clock.advance(50);
    await b.addWorker('lr@1'); // back at t = 150, seen again from now
    expect(b.rendezvous.registry.firstSeen({ name: 'lr', version: '1' })).toBe(150);
    expect(keys(b.rendezvous.registry.live(100))).toEqual(['dt@1']);
    await b.clock.advance(10); // lr@1 scores the request it found in its group
    expect(t.state).toBe('resolved');
    expect(t.at).toBe(160);
    expect(modelKey(t.value!.chosen!.model)).toBe('lr@1'); // accepted, and best in the order
    expect(t.value!.candidates.map((c) => `${modelKey(c.model)}:${c.status}`)).toEqual([
      'lr@1:ok',
      'dt@1:pending',
    ]);
    await b.close();
  });
});

describe('ModelWorker: first heartbeat', () => {
  it('comes only once its group is positioned, so a version seen at t gets every request published after t', async () => {
    const b = await workerRig((x) => x, { heartbeatIntervalMs: 100 }, { start: false });
    const beats: number[] = [];
    b.caller.listen('heartbeats').subscribe((m) => {
      const hb = decodeHeartbeat(m.payload);
      if (hb.ok && hb.value.kind === 'alive') beats.push(b.clock.now() - START);
    });
    let positionedAt: number | undefined;
    b.spy.beforeEnsureGroup = async () => {
      await after(b.clock, 500, undefined);
      positionedAt = b.clock.now() - START;
    };
    const starting = track(b.worker.start(), b.clock);
    await b.send('before'); // published while the group does not exist yet: never seen
    await b.clock.advance(499);
    expect(beats).toEqual([]);
    await b.clock.advance(1);
    expect(starting.state).toBe('resolved');
    expect(positionedAt).toBe(500);
    expect(beats[0]).toBe(500);
    await b.send('after');
    await b.clock.tick();
    expect(b.scores.map((s) => s.requestId)).toEqual(['after']);
    await b.worker.stop();
  });
});
