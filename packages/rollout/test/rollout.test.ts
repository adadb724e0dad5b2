import { type ArchiveRecord, ConfigurationError, VirtualClock } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STAGES,
  Rollout,
  type RolloutEvent,
  type RolloutOptions,
  stageName,
} from '../src/index.js';
import { rollbackSpec, stageSpec } from '../src/stage-spec.js';
import { FakeControl } from './support/fake-control.js';
import { driveWithTraffic, GOOD, SyntheticTraffic } from './support/synthetic-traffic.js';

const MODELS = { candidate: 'dt@2', current: 'dt@1', keep: ['lr'] };
const GATE = { minSamples: 100, maxStageMs: 60_000 };

function setUp(overrides: Partial<RolloutOptions> = {}, behaviour = GOOD) {
  const clock = new VirtualClock(1_000_000);
  const control = new FakeControl();
  const traffic = new SyntheticTraffic(control, clock, behaviour, MODELS);
  const rollout = new Rollout({
    ...MODELS,
    control,
    results: traffic.results$,
    clock,
    gate: GATE,
    ...overrides,
  });
  const events: RolloutEvent[] = [];
  rollout.events$.subscribe((e) => events.push(e));
  return { clock, control, traffic, rollout, events };
}

const summary = (events: readonly RolloutEvent[]) =>
  events.filter((e) => e.type !== 'gate-figures').map((e) => `${e.type} ${e.stage}`);

describe('Rollout', () => {
  it('goes from shadow through every canary share to promoted and retires the current version', async () => {
    const { clock, control, traffic, rollout, events } = setUp();
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('completed');
    expect(summary(events)).toEqual([
      ...DEFAULT_STAGES.slice(0, -1).flatMap((s) => [
        `stage-started ${stageName(s)}`,
        `advanced ${stageName(s)}`,
      ]),
      'stage-started retired',
      'completed retired',
    ]);
    expect(control.published.map((p) => p.spec)).toEqual(
      DEFAULT_STAGES.map((s) => stageSpec(s, MODELS)),
    );
    expect(control.retired).toEqual([{ name: 'dt', version: '1' }]);
    // Each stage was judged on its own results only, and on enough of them.
    for (const e of events.filter((x) => x.type === 'advanced')) {
      expect(e.figures!.samples).toBeGreaterThanOrEqual(100);
      expect(e.figures!.agreement!.low).toBeGreaterThanOrEqual(0.95);
      expect(e.version).toBe(e.stageIndex + 1);
    }
    const canary = events.find((e) => e.type === 'advanced' && e.stage === 'canary 50%')!;
    expect(canary.figures!.chosenCandidate).toBeGreaterThan(0);
    expect(canary.figures!.chosenCurrent).toBeGreaterThan(0);
    const shadow = events.find((e) => e.type === 'advanced' && e.stage === 'shadow')!;
    expect(shadow.figures!.chosenCandidate).toBe(0);
    expect(outcome.events).toEqual(events);
    expect(outcome.version).toBe(control.version);
  });

  it('sends the retire again until the retired version is gone from the results', async () => {
    const { clock, control, traffic, rollout } = setUp();
    control.lostRetires = 2; // the first two retires reach no worker
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('completed');
    expect(outcome.reason).toMatch(
      /^dt@1 retired: gone from the results 4\.\d s later \(3 retires sent\)$/,
    );
    expect(control.retireCalls).toHaveLength(3);
  });

  it('completes, but says so, when the retired version never leaves', async () => {
    const { clock, control, traffic, rollout } = setUp({ retireWaitMs: 10_000 });
    control.lostRetires = 1_000;
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('completed');
    expect(outcome.reason).toBe(
      'dt@2 serves, but dt@1 still takes part 10.0 s after its retire (5 retires sent): stop its workers by hand',
    );
  });

  it('rolls back at once when a scorecard alarm fires for a candidate that disagrees', async () => {
    const { clock, control, traffic, rollout, events } = setUp(
      {},
      { agree: 0.5, latencyMs: 5, errorRate: 0 },
    );
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.stage).toBe('shadow');
    expect(outcome.reason).toMatch(/^alarm: agreement with dt@1 of dt@2 is 0\.\d+ against 0\.9/);
    expect(summary(events)).toEqual(['stage-started shadow', 'rolled-back shadow']);
    expect(control.spec).toEqual(rollbackSpec(MODELS));
    expect(control.retired).toEqual([]);
    // Judged at the first evaluation with enough samples, not at the stage's timeout.
    expect(outcome.endedAt - outcome.startedAt).toBeLessThan(5_000);
  });

  it('rolls back from a canary share when the candidate goes bad there', async () => {
    const { clock, control, traffic, rollout, events } = setUp();
    control.onPublish = (version) => {
      if (version === 3) traffic.behaviour = { agree: 0.6, latencyMs: 5, errorRate: 0 };
    };
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.stage).toBe('canary 10%');
    expect(summary(events).slice(-2)).toEqual([
      'stage-started canary 10%',
      'rolled-back canary 10%',
    ]);
    expect(control.published.at(-1)!.spec).toEqual(rollbackSpec(MODELS));
  });

  it('rolls back on a failed p99 gate, with the figures it was judged on', async () => {
    const { clock, control, traffic, rollout } = setUp(
      { gate: { ...GATE, maxP99Ratio: 1.5 } },
      { agree: 1, latencyMs: 9, errorRate: 0 },
    );
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.reason).toMatch(
      /^gate failed: p99 9\.0\d* ms is 1\.8× the current 5\.0\d* ms > 1\.5×/,
    );
    const last = outcome.events.at(-1)!;
    expect(last).toMatchObject({ type: 'rolled-back', stage: 'shadow', version: 2 });
    expect(last.figures!.candidateP99Ms).toBeCloseTo(9, 1);
    expect(last.figures!.currentP99Ms).toBeCloseTo(5, 1);
    expect(control.spec).toEqual(rollbackSpec(MODELS));
  });

  it('rolls back on an absolute p99 bound and on the error rate', async () => {
    const slow = setUp(
      { gate: { ...GATE, maxP99Ratio: null, maxP99Ms: 8 } },
      { ...GOOD, latencyMs: 9 },
    );
    const a = await driveWithTraffic(slow.rollout.run(), slow.clock, slow.traffic);
    expect(a.reason).toMatch(/^gate failed: p99 9\.0\d* ms > 8 ms/);
    const failing = setUp({ alarms: { errorRateAbove: null } }, { ...GOOD, errorRate: 0.2 });
    const b = await driveWithTraffic(failing.rollout.run(), failing.clock, failing.traffic);
    expect(b.reason).toMatch(/^gate failed: error rate 0\.\d+ > 0\.01/);
  });

  it('rolls back when a stage times out without enough results of its own version', async () => {
    const { clock, control, traffic, rollout, events } = setUp({ reportEveryMs: 20_000 });
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic, { perTick: 0 });
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.reason).toBe('the gate did not hold within 60000 ms: 0/100 samples');
    expect(outcome.endedAt - outcome.startedAt).toBe(60_000);
    expect(
      events.filter((e) => e.type === 'gate-figures').map((e) => e.at - outcome.startedAt),
    ).toEqual([20_000, 40_000]);
    expect(control.spec).toEqual(rollbackSpec(MODELS));
  });

  it('counts only the results decided under the stage version (front ends that lag do not count)', async () => {
    const { clock, control, traffic, rollout } = setUp();
    traffic.stuckAt = 1; // every front end keeps deciding under version 1 (shadow)
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.stage).toBe('canary 1%');
    expect(outcome.reason).toMatch(/did not hold within 60000 ms: 0\/100 samples/);
    expect(control.published.map((p) => p.version)).toEqual([1, 2, 3]);
  });

  it('writes every event to the archive, in order, as records of kind event', async () => {
    const records: ArchiveRecord[] = [];
    const archive = {
      write: async (batch: readonly ArchiveRecord[]) => void records.push(...batch),
      close: async () => undefined,
    };
    const { clock, traffic, rollout } = setUp({ archive, id: 'r-1', reportEveryMs: 1000 });
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.archiveFailures).toBe(0);
    expect(records.map((r) => r.id)).toEqual(outcome.events.map((e) => `r-1:${e.seq}`));
    expect(records.every((r) => r.kind === 'event' && r.requestId === 'r-1')).toBe(true);
    const first = records[0]!;
    expect(first.kind === 'event' && first.event).toEqual(
      JSON.parse(JSON.stringify({ source: 'rollout', ...outcome.events[0] })),
    );
  });

  it('counts archive writes that keep failing and still rolls out', async () => {
    const archive = {
      write: async () => {
        throw new Error('sink down');
      },
      close: async () => undefined,
    };
    const { clock, traffic, rollout } = setUp({ archive });
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('completed');
    expect(outcome.archiveFailures).toBe(outcome.events.length);
  });

  it('rolls back on abort(), with the reason given', async () => {
    const { clock, control, traffic, rollout } = setUp();
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic, {
      beforeTick: (tick) => {
        if (tick === 25) rollout.abort('operator said so');
      },
    });
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.reason).toBe('aborted: operator said so');
    expect(control.spec).toEqual(rollbackSpec(MODELS));
  });

  it('publishes a spec again when no front end applied it (a missed broadcast), at most 3 times', async () => {
    const { clock, control, traffic, rollout, events } = setUp();
    control.onPublish = (version) => {
      if (version === 1) control.missed = 2; // canary 1% is missed twice, heard the third time
    };
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic);
    expect(outcome.status).toBe('completed');
    const canary = events.find((e) => e.type === 'stage-started' && e.stage === 'canary 1%')!;
    expect(canary).toMatchObject({ version: 4, applied: 1 });
    expect(control.published.map((p) => p.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const deaf = setUp();
    deaf.control.missed = 1_000; // nobody ever hears anything
    const lost = await driveWithTraffic(deaf.rollout.run(), deaf.clock, deaf.traffic);
    expect(lost.status).toBe('rolled-back');
    expect(deaf.control.published.slice(0, 3).map((p) => p.spec)).toEqual(
      Array(3).fill(stageSpec({ kind: 'shadow' }, MODELS)),
    );
    expect(lost.events[0]).toMatchObject({ type: 'stage-started', version: 3, applied: 0 });
  });

  it('rolls back when the results source fails', async () => {
    const { clock, control, traffic, rollout } = setUp();
    const outcome = await driveWithTraffic(rollout.run(), clock, traffic, {
      beforeTick: (tick) => {
        if (tick === 5) traffic.results$.error(new Error('results stream gone'));
      },
    });
    expect(outcome).toMatchObject({
      status: 'rolled-back',
      stage: 'shadow',
      reason: 'the results source failed: results stream gone',
    });
    expect(control.spec).toEqual(rollbackSpec(MODELS));
  });

  it('rejects run() when even the rollback cannot be published, saying which spec to publish by hand', async () => {
    const { clock, control, traffic, rollout, events } = setUp({}, { ...GOOD, agree: 0.3 });
    control.onPublish = () => {
      control.failPublish = 1_000; // the control channel goes down after the shadow spec
    };
    await expect(driveWithTraffic(rollout.run(), clock, traffic)).rejects.toThrow(
      'control channel down',
    );
    expect(events.at(-1)!.type).toBe('rolled-back');
    expect(events.at(-1)!.reason).toContain(
      `the rollback spec could NOT be published (control channel down): publish ${JSON.stringify(rollbackSpec(MODELS))} by hand`,
    );
  });

  it('publishes nothing when aborted before it ran, and runs once however often run() is called', async () => {
    const { control, rollout, events } = setUp();
    rollout.abort('changed my mind');
    const outcome = await rollout.run();
    expect(rollout.run()).toBe(rollout.run());
    expect(outcome).toMatchObject({ status: 'rolled-back', reason: 'aborted: changed my mind' });
    expect(events.map((e) => `${e.type}: ${e.reason}`)).toEqual([
      'rolled-back: aborted: changed my mind (nothing was published)',
    ]);
    expect(control.published).toEqual([]);
  });

  it('rolls back when a front end rejects a stage spec, and when a publish fails', async () => {
    const rejected = setUp();
    rejected.control.reject = (spec) =>
      spec.policy === 'split' ? 'unknown policy split' : undefined;
    const a = await driveWithTraffic(rejected.rollout.run(), rejected.clock, rejected.traffic);
    expect(a).toMatchObject({ status: 'rolled-back', stage: 'canary 1%' });
    expect(a.reason).toBe('front ends rejected the canary 1% spec (fe-1: unknown policy split)');
    expect(rejected.control.spec).toEqual(rollbackSpec(MODELS));

    const down = setUp();
    down.control.onPublish = (version) => {
      if (version === 1) down.control.failPublish = 2; // canary 1% fails, the rollback's first try too
    };
    const b = await driveWithTraffic(down.rollout.run(), down.clock, down.traffic);
    expect(b.reason).toBe('publishing the canary 1% spec failed: control channel down');
    expect(down.control.spec).toEqual(rollbackSpec(MODELS));
  });

  it('refuses options that cannot work, naming the option', () => {
    const control = new FakeControl();
    const base = {
      ...MODELS,
      control,
      results: new SyntheticTraffic(control, new VirtualClock(), GOOD, MODELS).results$,
    };
    expect(() => new Rollout({ ...base, candidate: 'dt' })).toThrow(
      /candidate must be one model version/,
    );
    expect(() => new Rollout({ ...base, current: 'dt@2' })).toThrow(ConfigurationError);
    expect(
      () => new Rollout({ ...base, stages: [{ kind: 'retired' }, { kind: 'shadow' }] }),
    ).toThrow(/stages\[0\]: retired must be the last stage/);
    expect(() => new Rollout({ ...base, stages: [{ kind: 'canary', share: 1 }] })).toThrow(
      /within \(0, 1\)/,
    );
    expect(() => new Rollout({ ...base, gate: { minAgreement: 1.5 } })).toThrow(/minAgreement/);
    expect(() => new Rollout({ ...base, gate: { minStageMs: 10, maxStageMs: 5 } })).toThrow(
      /maxStageMs/,
    );
  });
});
