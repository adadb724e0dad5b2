/**
 * Live policy replacement in one process, on virtual time: requests in flight finish under the
 * policy they started with, new ones use the new one, each result names the policy (and
 * version) that decided it, and no request is answered twice or lost.
 */
import {
  ConfigurationError,
  DEFAULT_STREAMS,
  first,
  type PolicySpec,
  priority,
  type RendezvousResult,
} from '@rendezvous-ml/core';
import { decodeResult } from '@rendezvous-ml/core/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frontEndRig, type Script, type Tracked, tapStream, track } from './harness.js';

const DT_FIRST = priority({ order: ['dt', 'lr'] });
const LR_FIRST: PolicySpec = { policy: 'priority', order: ['lr', 'dt'] };

describe('Rendezvous.setPolicy', () => {
  it('keeps the old policy for requests in flight and uses the new one for new requests', async () => {
    const b = await frontEndRig(DT_FIRST, ['dt@1', 'lr@1']);
    const script: Script = { 'dt@1': { ms: 30 }, 'lr@1': { ms: 10 } };
    const before = track(b.rendezvous.request(script, { id: 'before' }), b.clock);
    await b.clock.advance(5);
    b.rendezvous.setPolicy(LR_FIRST, { version: 2 });
    expect(b.rendezvous.policy()).toEqual({ name: 'priority(lr > dt)', version: 2 });
    const after = track(b.rendezvous.request(script, { id: 'after' }), b.clock);
    await b.clock.advance(100);
    // 'before' waited for dt (its policy), though lr answered first; 'after' took lr at once.
    expect(before.value?.chosen?.model.name).toBe('dt');
    expect(before.at).toBe(30);
    expect(before.value?.decidedBy).toEqual({
      policy: 'priority(dt > lr)',
      reason: expect.any(String),
      trigger: 'score',
    });
    expect(after.value?.chosen?.model.name).toBe('lr');
    expect(after.at).toBe(15);
    expect(after.value?.decidedBy).toMatchObject({ policy: 'priority(lr > dt)', policyVersion: 2 });
    expect(
      b.results.map((r) => [r.requestId, r.decidedBy.policy, r.decidedBy.policyVersion]),
    ).toEqual([
      ['before', 'priority(dt > lr)', undefined],
      ['after', 'priority(lr > dt)', 2],
    ]);
    await b.close();
  });

  it('refuses an invalid spec with a ConfigurationError and changes nothing', async () => {
    const b = await frontEndRig(DT_FIRST, ['dt@1', 'lr@1']);
    b.rendezvous.setPolicy(first(), { version: 3 });
    const bad = {
      policy: 'shadow',
      models: ['dt@2'],
      inner: { policy: 'split', weights: { 'dt@2': -1 } },
    };
    expect(() => b.rendezvous.setPolicy(bad as unknown as PolicySpec, { version: 4 })).toThrow(
      /at \/inner\/weights\/dt@2/,
    );
    expect(() => b.rendezvous.setPolicy(first(), { version: -1 })).toThrow(ConfigurationError);
    expect(() => b.rendezvous.setPolicy(first(), { version: 1.5 })).toThrow(ConfigurationError);
    expect(() => b.rendezvous.setPolicy({ name: '', decide: first().decide })).toThrow(
      ConfigurationError,
    );
    expect(b.rendezvous.policy()).toEqual({ name: 'first', version: 3 });
    const r = track(b.rendezvous.request({ 'dt@1': { ms: 30 }, 'lr@1': { ms: 10 } }), b.clock);
    await b.clock.advance(50);
    expect(r.value?.decidedBy).toMatchObject({ policy: 'first', policyVersion: 3 });
    expect(r.value?.chosen?.model.name).toBe('lr');
    await b.close();
  });

  it('a spec changed by its caller after setPolicy changes nothing', async () => {
    const b = await frontEndRig(DT_FIRST, ['dt@1', 'lr@1']);
    const spec = { policy: 'priority' as const, order: ['lr', 'dt'] };
    b.rendezvous.setPolicy(spec, { version: 1 });
    spec.order.reverse();
    expect(b.rendezvous.policy().name).toBe('priority(lr > dt)');
    const r = track(b.rendezvous.request({ 'dt@1': { ms: 5 }, 'lr@1': { ms: 20 } }), b.clock);
    await b.clock.advance(30);
    expect(r.value?.chosen?.model.name).toBe('lr');
    await b.close();
  });

  it('a policy set without a version records none', async () => {
    const b = await frontEndRig(DT_FIRST, ['dt@1']);
    b.rendezvous.setPolicy(first(), { version: 7 });
    b.rendezvous.setPolicy({ policy: 'latestVersion' });
    expect(b.rendezvous.policy()).toEqual({ name: 'latestVersion', version: undefined });
    const r = track(b.rendezvous.request({ 'dt@1': { ms: 5 } }), b.clock);
    await b.clock.advance(10);
    expect(r.value?.decidedBy).not.toHaveProperty('policyVersion');
    await b.close();
  });

  it('publishes policyVersion on the results stream; records without it still decode', async () => {
    const b = await frontEndRig(DT_FIRST, ['dt@1'], { publishResults: true });
    const published = await tapStream(b.transport, DEFAULT_STREAMS.results);
    b.rendezvous.setPolicy(first(), { version: 9 });
    const answer = track(b.rendezvous.request({ 'dt@1': { ms: 5 } }, { id: 'r1' }));
    await b.clock.advance(1000);
    expect(answer.state).toBe('resolved');
    const decoded = decodeResult(published[0]!.payload);
    expect(decoded.ok && decoded.value.decidedBy).toMatchObject({
      policy: 'first',
      policyVersion: 9,
    });
    const old = JSON.parse(published[0]!.payload) as { decidedBy: Record<string, unknown> };
    delete old.decidedBy.policyVersion;
    const oldDecoded = decodeResult(JSON.stringify(old));
    expect(oldDecoded.ok).toBe(true);
    expect(oldDecoded.ok && oldDecoded.value.decidedBy).not.toHaveProperty('policyVersion');
    old.decidedBy.policyVersion = 'nine';
    const wrong = decodeResult(JSON.stringify(old));
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.error.path).toBe('/decidedBy/policyVersion');
    await b.close();
  });
});

/** The policies the property switches between, with what each must choose. */
const POLICIES = [
  { policy: DT_FIRST, name: 'priority(dt > lr)' },
  { policy: LR_FIRST, name: 'priority(lr > dt)' },
  { policy: { policy: 'first' } as PolicySpec, name: 'first' },
] as const;

type Step =
  | { readonly kind: 'request'; readonly dt?: number; readonly lr?: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'setPolicy'; readonly index: number; readonly versioned: boolean };

/** dt answers at even times, lr at odd ones, so `first` has one right answer. */
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    dt: fc.option(
      fc.integer({ min: 1, max: 60 }).map((n) => 2 * n),
      { nil: undefined },
    ),
    lr: fc.option(
      fc.integer({ min: 0, max: 60 }).map((n) => 2 * n + 1),
      { nil: undefined },
    ),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 80 }) }),
  fc.record({
    kind: fc.constant('setPolicy' as const),
    index: fc.integer({ min: 0, max: POLICIES.length - 1 }),
    versioned: fc.boolean(),
  }),
);

/** Which model the policy must choose for a request, given when each model answers (deadline 1000). */
function expected(
  name: string,
  dt: number | undefined,
  lr: number | undefined,
): string | undefined {
  if (dt === undefined || lr === undefined)
    return dt !== undefined ? 'dt' : lr !== undefined ? 'lr' : undefined;
  if (name === 'priority(dt > lr)') return 'dt';
  if (name === 'priority(lr > dt)') return 'lr';
  return dt < lr ? 'dt' : 'lr';
}

describe('Rendezvous.setPolicy under interleavings', () => {
  it('decides every request once, under the policy it started with', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const b = await frontEndRig(DT_FIRST, ['dt@1', 'lr@1']);
        let version = 0;
        const sent: {
          id: string;
          policy: { name: string; version: number | undefined };
          want: string | undefined;
          answer: Tracked<RendezvousResult>;
        }[] = [];
        for (const s of steps) {
          if (s.kind === 'advance') await b.clock.advance(s.ms);
          else if (s.kind === 'setPolicy') {
            const p = POLICIES[s.index]!;
            b.rendezvous.setPolicy(p.policy, s.versioned ? { version: ++version } : {});
          } else {
            const script: Script = {};
            if (s.dt !== undefined) script['dt@1'] = { ms: s.dt };
            if (s.lr !== undefined) script['lr@1'] = { ms: s.lr };
            const id = `r${sent.length}`;
            const policy = b.rendezvous.policy();
            sent.push({
              id,
              policy,
              want: expected(policy.name, s.dt, s.lr),
              answer: track(b.rendezvous.request(script, { id }), b.clock),
            });
          }
        }
        await b.close();
        // None lost, none twice: one result per request, and every caller settled.
        expect(b.results.map((r) => r.requestId).sort()).toEqual(sent.map((r) => r.id).sort());
        const byId = new Map(b.results.map((r) => [r.requestId, r]));
        for (const r of sent) {
          const result = byId.get(r.id)!;
          expect(result.decidedBy.policy).toBe(r.policy.name);
          expect(result.decidedBy.policyVersion).toBe(r.policy.version);
          if (r.want === undefined) {
            expect(r.answer.state).toBe('rejected');
          } else {
            expect(r.answer.state).toBe('resolved');
            expect(r.answer.value?.decidedBy).toEqual(result.decidedBy);
            expect(result.chosen?.model.name).toBe(r.want);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
