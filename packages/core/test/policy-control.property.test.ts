/**
 * The control channel under random interleavings (fast-check, memory transport, virtual time):
 * specs of random versions, valid or not, published in any order, while front ends start and
 * close. Every front end that is running ends on the same policy, the highest valid version
 * published, and none ever ran a version whose spec was invalid.
 */
import {
  DEFAULT_STREAMS,
  first,
  type PolicySpec,
  policyFromSpec,
  Rendezvous,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const VALID: readonly PolicySpec[] = [
  { policy: 'first' },
  { policy: 'latestVersion' },
  { policy: 'quorum', k: 2 },
  { policy: 'split', weights: { 'dt@2': 1, 'dt@1': 9 } },
];
const INVALID: readonly unknown[] = [
  { policy: 'quorum', k: 0 },
  { policy: 'split', weights: {} },
  { policy: 'nope' },
  'first',
];

type Step =
  | {
      readonly kind: 'publish';
      readonly version: number;
      readonly valid: boolean;
      readonly spec: number;
    }
  | { readonly kind: 'start' }
  | { readonly kind: 'close'; readonly which: number }
  | { readonly kind: 'advance'; readonly ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('publish' as const),
      version: fc.integer({ min: 1, max: 12 }),
      valid: fc.boolean(),
      spec: fc.nat(3),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'start' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), which: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(100) }) },
);

describe('control channel under interleavings', () => {
  it('running front ends converge on the highest valid version; an invalid one never runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const clock = new VirtualClock(0);
        const broker = new MemoryBroker();
        const sender = new MemoryTransport({ broker });
        const running: Rendezvous[] = [];
        /** `version|name` of every valid publish: the only policies a front end may run. */
        const allowed = new Set<string>(['undefined|first']);
        const ran: string[] = [];
        let best: { version: number; text: string; name: string } | undefined;
        const observe = () => {
          for (const fe of running) ran.push(`${fe.policy().version}|${fe.policy().name}`);
        };
        const start = async () => {
          const fe = new Rendezvous({
            transport: new MemoryTransport({ broker }),
            policy: first(),
            clock,
            discoveryMs: 30,
            control: true,
          });
          const starting = fe.start();
          await clock.advance(30);
          await starting;
          running.push(fe);
        };
        await start();
        for (const s of steps) {
          if (s.kind === 'start') await start();
          else if (s.kind === 'advance') await clock.advance(s.ms);
          else if (s.kind === 'close') {
            if (running.length <= 1) continue; // keep one, or the spec in force is forgotten
            const [fe] = running.splice(s.which % running.length, 1);
            const closing = fe!.close();
            await clock.advance(1);
            await closing;
          } else {
            const spec = s.valid ? VALID[s.spec]! : INVALID[s.spec]!;
            if (s.valid) {
              const text = JSON.stringify(spec);
              const name = policyFromSpec(spec).name;
              allowed.add(`${s.version}|${name}`);
              if (
                !best ||
                s.version > best.version ||
                (s.version === best.version && text > best.text)
              )
                best = { version: s.version, text, name };
            }
            await sender.broadcast(
              DEFAULT_STREAMS.control,
              JSON.stringify({ v: 1, kind: 'policy', version: s.version, spec, ts: clock.now() }),
            );
          }
          await clock.tick();
          observe();
        }
        // Every running front end ends on the best valid publish (or the initial policy).
        const final = running.map((fe) => fe.policy());
        const want = best
          ? { name: best.name, version: best.version }
          : { name: 'first', version: undefined };
        for (const p of final) expect(p).toEqual(want);
        // And none ever ran a policy that no valid publish named (an invalid spec, in part or whole).
        for (const r of ran) expect(allowed).toContain(r);
        for (const fe of running) {
          const closing = fe.close();
          await clock.advance(1);
          await closing;
        }
      }),
      { numRuns: 50 },
    );
  });
});
