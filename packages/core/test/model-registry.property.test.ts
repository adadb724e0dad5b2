import { ModelRegistry, modelKey, VirtualClock } from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const VERSIONS = ['dt@1', 'dt@2', 'lr@1'] as const;
const INTERVAL_MS = 100;
const MISSED = 3;

/** One step: an instance beats or says it leaves, or time passes (instances may age out). */
const stepArb = fc.oneof(
  fc.record({
    kind: fc.constantFrom('alive' as const, 'leaving' as const),
    version: fc.integer({ min: 0, max: VERSIONS.length - 1 }),
    instance: fc.integer({ min: 0, max: 1 }),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 250 }) }),
);

function heartbeat(kind: 'alive' | 'leaving', version: number, instance: number, ts: number) {
  const [name, v] = VERSIONS[version]!.split('@') as [string, string];
  const model = { name, version: v, instance: `${name}${v}-${instance}` };
  return JSON.stringify({ v: 1, kind, model, intervalMs: INTERVAL_MS, ts });
}

describe('ModelRegistry: live since', () => {
  it('live(asOf) is exactly the versions whose current live period began at or before asOf', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 5 }),
        async (steps, probes) => {
          const clock = new VirtualClock(0);
          const broker = new MemoryBroker({ clock });
          const fe = new MemoryTransport({ broker });
          const workers = new MemoryTransport({ broker });
          const registry = new ModelRegistry({ transport: fe, clock, missedHeartbeats: MISSED });
          registry.start();
          // The model: per version, each instance's expiry, and when the live period began.
          const expiry = VERSIONS.map(() => new Map<number, number>());
          const since: (number | undefined)[] = VERSIONS.map(() => undefined);
          const age = (now: number) => {
            for (const [v, instances] of expiry.entries()) {
              for (const [i, at] of instances) if (at <= now) instances.delete(i);
              if (instances.size === 0) since[v] = undefined;
            }
          };
          for (const step of steps) {
            if (step.kind === 'wait') {
              await clock.advance(step.ms);
              age(clock.now());
              continue;
            }
            const now = clock.now();
            await workers.broadcast(
              'heartbeats',
              heartbeat(step.kind, step.version, step.instance, now),
            );
            await clock.tick();
            const instances = expiry[step.version]!;
            if (step.kind === 'alive') {
              if (instances.size === 0) since[step.version] = now;
              instances.set(step.instance, now + INTERVAL_MS * MISSED);
            } else {
              instances.delete(step.instance);
              if (instances.size === 0) since[step.version] = undefined;
            }
          }
          const now = clock.now();
          const live = (asOf: number) =>
            VERSIONS.filter((_, v) => since[v] !== undefined && since[v]! <= asOf).sort();
          expect(registry.live().map(modelKey).sort()).toEqual(live(now));
          const edges = since.flatMap((t) => (t === undefined ? [] : [t - 1, t]));
          for (const asOf of [...probes, ...edges, now])
            expect(registry.live(asOf).map(modelKey).sort()).toEqual(live(asOf));
          for (const [v, key] of VERSIONS.entries()) {
            const [name, version] = key.split('@') as [string, string];
            expect(registry.firstSeen({ name, version })).toBe(since[v]);
          }
          registry.stop();
        },
      ),
      { numRuns: 200 },
    );
  });
});
