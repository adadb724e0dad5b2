import { VirtualClock } from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rollout, type RolloutEvent, type RolloutStage } from '../src/index.js';
import { rollbackSpec } from '../src/stage-spec.js';
import { buildSpec } from './support/build-spec.js';
import { FakeControl } from './support/fake-control.js';
import {
  type CandidateBehaviour,
  driveWithTraffic,
  GOOD,
  SyntheticTraffic,
} from './support/synthetic-traffic.js';

const MODELS = { candidate: 'dt@2', current: 'dt@1', keep: ['lr'] };

const BEHAVIOURS: Record<string, CandidateBehaviour | 'silent'> = {
  good: GOOD,
  disagrees: { agree: 0.5, latencyMs: 5, errorRate: 0 },
  slow: { agree: 1, latencyMs: 12, errorRate: 0 },
  failing: { agree: 1, latencyMs: 5, errorRate: 0.3 },
  silent: 'silent',
};

const stagesArb: fc.Arbitrary<RolloutStage[]> = fc
  .record({
    shadow: fc.boolean(),
    shares: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 3 }),
    promoted: fc.boolean(),
    retired: fc.boolean(),
  })
  .map((s) => [
    ...(s.shadow ? [{ kind: 'shadow' as const }] : []),
    ...[...s.shares]
      .sort((a, b) => a - b)
      .map((p) => ({ kind: 'canary' as const, share: p / 100 })),
    ...(s.promoted ? [{ kind: 'promoted' as const }] : []),
    ...(s.retired || (!s.shadow && s.shares.length === 0 && !s.promoted)
      ? [{ kind: 'retired' as const }]
      : []),
  ]);

describe('Rollout, for any stages and any candidate behaviour per stage', () => {
  it('only moves forward one stage at a time or to rolled-back, ends once, and publishes only valid specs', async () => {
    await fc.assert(
      fc.asyncProperty(
        stagesArb,
        // Mostly good, so that long rollouts are drawn too.
        fc.array(fc.constantFrom('good', 'good', 'good', ...Object.keys(BEHAVIOURS)), {
          minLength: 6,
          maxLength: 6,
        }),
        fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
        async (stages, perStage, abortAtTick) => {
          const clock = new VirtualClock(0);
          const control = new FakeControl();
          const traffic = new SyntheticTraffic(control, clock, GOOD, MODELS, 7);
          let silent = false;
          control.onPublish = (version) => {
            const b = BEHAVIOURS[perStage[Math.min(version - 1, 5)]!]!;
            silent = b === 'silent';
            if (b !== 'silent') traffic.behaviour = b;
          };
          const rollout = new Rollout({
            ...MODELS,
            control,
            results: traffic.results$,
            clock,
            stages,
            gate: { minSamples: 50, maxStageMs: 20_000 },
            reportEveryMs: 5_000,
          });
          const events: RolloutEvent[] = [];
          rollout.events$.subscribe((e) => events.push(e));
          const outcome = await driveWithTraffic(rollout.run(), clock, traffic, {
            tickMs: 500,
            perTick: 0,
            beforeTick: (tick) => {
              if (tick === abortAtTick) rollout.abort('property');
              if (!silent) traffic.emit(40);
            },
          });

          const moves = events.filter((e) => e.type !== 'gate-figures');
          const terminal = moves.filter((e) => e.type === 'completed' || e.type === 'rolled-back');
          expect(terminal).toHaveLength(1);
          expect(moves.at(-1)).toBe(terminal[0]);
          expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
          expect(events.every((e, i) => i === 0 || e.at >= events[i - 1]!.at)).toBe(true);
          // Stages start in order, each once; a stage ends (advanced / rolled back / completed) before the next.
          const started = moves.filter((e) => e.type === 'stage-started').map((e) => e.stageIndex);
          expect(started).toEqual(started.map((_, i) => i));
          let open: number | undefined;
          for (const e of moves) {
            if (e.type === 'stage-started') {
              expect(open).toBeUndefined();
              open = e.stageIndex;
            } else {
              if (open !== undefined) expect(e.stageIndex).toBe(open);
              if (e.type === 'advanced') expect(stages[e.stageIndex]!.kind).not.toBe('retired');
              if (e.type === 'completed' && open !== undefined)
                expect(open).toBe(stages.length - 1);
              open = undefined;
            }
          }
          for (const p of control.published) expect(() => buildSpec(p.spec)).not.toThrow();
          if (outcome.status === 'rolled-back') {
            expect(control.retired).toEqual([]);
            if (control.published.length > 0)
              expect(control.published.at(-1)!.spec).toEqual(rollbackSpec(MODELS));
          } else {
            expect(started.at(-1)).toBe(stages.length - 1);
            const retires = stages.at(-1)!.kind === 'retired';
            expect(control.retired).toEqual(retires ? [{ name: 'dt', version: '1' }] : []);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
