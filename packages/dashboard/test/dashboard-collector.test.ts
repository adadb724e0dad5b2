import {
  latestVersion,
  ModelWorker,
  Rendezvous,
  type RendezvousResult,
  VirtualClock,
} from '@rendezvous-ml/core';
import type { RolloutEvent } from '@rendezvous-ml/rollout';
import { Scorecard, type ScorecardAlarm, type ScorecardSnapshot } from '@rendezvous-ml/scorecard';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DashboardCollector, type DashboardSnapshot } from '../src/index.js';
import { answered, FakeFrontEnd, ok } from './fake-front-end.js';

function setup(options: { historyPoints?: number; intervalMs?: number } = {}) {
  const clock = new VirtualClock(1_000_000);
  const frontEnd = new FakeFrontEnd();
  const collector = new DashboardCollector({ rendezvous: frontEnd, clock, ...options });
  const seen: DashboardSnapshot[] = [];
  collector.snapshot$.subscribe((s) => seen.push(s));
  collector.start();
  return { clock, frontEnd, collector, seen };
}

describe('DashboardCollector', () => {
  it('takes one snapshot per interval, with rates per second over the time that passed', async () => {
    const { clock, frontEnd, collector } = setup();
    frontEnd.add({ answered: 30, failed: 4, deadlineExceeded: 3, overloaded: 6 });
    await clock.advance(999);
    expect(collector.snapshot().seq).toBe(0); // not yet
    await clock.advance(1);
    const first = collector.snapshot();
    expect(first.seq).toBe(1);
    expect(first.history).toHaveLength(1);
    expect(first.history[0]).toMatchObject({
      t: 1_001_000,
      requestsPerSecond: 40,
      outcomes: { answered: 30, failed: 4, deadlineExceeded: 3, overloaded: 6 },
    });
    frontEnd.add({ answered: 10 });
    await clock.advance(1000);
    expect(collector.snapshot().history.map((p) => p.requestsPerSecond)).toEqual([40, 10]);
    expect(collector.snapshot().frontEnd).toMatchObject({
      instanceId: 'fe-test',
      policy: { name: 'latestVersion' },
      liveModels: ['dt@1'],
      stats: { answered: 40 },
    });
    collector.stop();
  });

  it('divides by the interval it was given: 50 answers over 5 s is 10 per second', async () => {
    const { clock, frontEnd, collector } = setup({ intervalMs: 5000 });
    frontEnd.add({ answered: 50 });
    await clock.advance(5000);
    expect(collector.snapshot().history[0]?.requestsPerSecond).toBe(10);
    collector.stop();
  });

  it('counts the answers of each model from results$, per second, reset every interval', async () => {
    const { clock, frontEnd, collector } = setup();
    for (let i = 0; i < 6; i++) frontEnd.results.next(answered([ok('dt@1', 1), ok('lr@0', 1)]));
    for (let i = 0; i < 2; i++) frontEnd.results.next(answered([ok('lr@0', 2), ok('dt@1', 1)]));
    await clock.advance(1000);
    await clock.advance(1000);
    const [a, b] = collector.snapshot().history;
    expect(a?.answers).toEqual({ 'dt@1': 6, 'lr@0': 2 });
    expect(b?.answers).toEqual({ 'dt@1': 0, 'lr@0': 0 });
    collector.stop();
  });

  it('keeps at most historyPoints points, the newest, however long it runs', async () => {
    const { clock, frontEnd, collector } = setup({ historyPoints: 5 });
    for (let i = 1; i <= 50; i++) {
      frontEnd.add({ answered: i });
      await clock.advance(1000);
    }
    const { history, seq } = collector.snapshot();
    expect(seq).toBe(50);
    expect(history.map((p) => p.requestsPerSecond)).toEqual([46, 47, 48, 49, 50]);
    expect(history.at(-1)?.t).toBe(1_050_000);
    collector.stop();
  });

  it('stops: no timer left, no snapshot after, snapshot$ completes, results$ unsubscribed', async () => {
    const { clock, frontEnd, collector, seen } = setup();
    let completed = false;
    collector.snapshot$.subscribe({ complete: () => (completed = true) });
    await clock.advance(3000);
    expect(clock.pendingTimers).toBe(1);
    collector.stop();
    collector.stop(); // idempotent
    expect(clock.pendingTimers).toBe(0);
    expect(completed).toBe(true);
    expect(collector.running).toBe(false);
    expect(frontEnd.results.observed).toBe(false);
    const count = seen.length;
    await clock.advance(10_000);
    expect(seen.length).toBe(count);
    expect(collector.snapshot().seq).toBe(3);
    collector.start(); // a stopped collector stays stopped
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports a source that throws and goes on collecting', async () => {
    const { clock, frontEnd, collector } = setup();
    frontEnd.failStats = true;
    await clock.advance(1000);
    expect(collector.snapshot().problems).toEqual(['front end stats(): stats unavailable']);
    frontEnd.failStats = false;
    frontEnd.add({ answered: 7 });
    await clock.advance(1000);
    const s = collector.snapshot();
    expect(s.problems).toEqual([]);
    expect(s.history.map((p) => p.requestsPerSecond)).toEqual([0, 7]);
    collector.stop();
  });

  it('shows archiver throughput, lag (or pending records) and dead letters', async () => {
    const clock = new VirtualClock(0);
    const stats = {
      archived: 0,
      batches: 0,
      failedBatches: 0,
      released: 0,
      deadLettered: 0,
      pending: 3,
    };
    let behind = 12;
    const collector = new DashboardCollector({
      rendezvous: new FakeFrontEnd(),
      clock,
      archivers: [
        { name: 'decoy', stats: () => stats },
        { name: 'results', stats: () => stats, lag: () => behind },
      ],
    });
    collector.start();
    stats.archived = 200;
    stats.deadLettered = 2;
    await clock.advance(1000);
    stats.archived = 300;
    behind = 4;
    await clock.advance(1000);
    const { archivers, history } = collector.snapshot();
    expect(archivers.map((a) => [a.name, a.throughput, a.lag, a.lagSource])).toEqual([
      ['decoy', 100, 3, 'pending'],
      ['results', 100, 4, 'lag'],
    ]);
    expect(history.map((p) => p.archivers.results)).toEqual([
      { throughput: 200, lag: 12, deadLettered: 2 },
      { throughput: 100, lag: 4, deadLettered: 2 },
    ]);
    collector.stop();
  });

  it('with pollScorecard, shows the scorecard window every interval: latency, agreement with its interval, shift, alarms firing', async () => {
    const clock = new VirtualClock(0);
    const frontEnd = new FakeFrontEnd();
    const scorecard = new Scorecard({
      clock,
      snapshotIntervalMs: 0,
      shiftReference: { results: 20 },
      alarms: { minSamples: 20, agreementBelow: 0.9, outputPsiAbove: null, inputPsiAbove: null },
    });
    const collector = new DashboardCollector({
      rendezvous: frontEnd,
      scorecard,
      clock,
      pollScorecard: true,
    });
    collector.start();
    // lr@0 agrees with dt@1 on 1 request in 2: its agreement alarm fires.
    for (let i = 0; i < 40; i++)
      scorecard.record(answered([ok('dt@1', 1, 2), ok('lr@0', i % 2, 8)], { x: i % 5 }));
    await clock.advance(1000);
    const s = collector.snapshot();
    expect(s.scorecard?.window).toBe('1m');
    expect(s.scorecard?.reference).toBe('dt@1');
    const point = s.history[0]!;
    expect(point.latency['lr@0']?.p50).toBeCloseTo(8, 1);
    expect(point.agreement['lr@0']?.rate).toBe(0.5);
    expect(point.agreement['lr@0']?.low).toBeLessThan(0.5);
    expect(point.agreement['lr@0']?.high).toBeGreaterThan(0.5);
    expect(Object.keys(point.inputShift)).toEqual(['x']);
    expect(s.alarms.firing).toHaveLength(3); // one per window: 1m, 10m, all
    expect(s.alarms.firing[0]).toMatchObject({ kind: 'agreement', model: 'lr@0', value: 0.5 });
    // Agreement recovers: the alarms clear and leave the firing list.
    for (let i = 0; i < 400; i++)
      scorecard.record(answered([ok('dt@1', 1), ok('lr@0', 1)], { x: i % 5 }));
    await clock.advance(1000);
    const later = collector.snapshot();
    expect(later.alarms.firing).toEqual([]);
    expect(later.alarms.recent.map((a: ScorecardAlarm) => a.state)).toEqual([
      'firing',
      'firing',
      'firing',
      'cleared',
      'cleared',
      'cleared',
    ]);
    collector.stop();
    await scorecard.stop();
  });

  it("by default shows the scorecard's own snapshots and never evaluates its alarms itself", async () => {
    const clock = new VirtualClock(0);
    const scorecard = new Scorecard({
      clock,
      snapshotIntervalMs: 0, // snapshots only when asked
      alarms: { minSamples: 5, agreementBelow: 0.9, outputPsiAbove: null, inputPsiAbove: null },
    });
    const alarms: ScorecardAlarm[] = [];
    scorecard.alarm$.subscribe((a) => alarms.push(a));
    const collector = new DashboardCollector({ rendezvous: new FakeFrontEnd(), scorecard, clock });
    collector.start();
    for (let i = 0; i < 20; i++) scorecard.record(answered([ok('dt@1', 1), ok('lr@0', 0)]));
    await clock.advance(10_000);
    expect(alarms).toEqual([]); // the dashboard did not call snapshot()
    expect(collector.snapshot().scorecard).toBeNull();
    expect(collector.snapshot().history.at(-1)?.agreement).toEqual({});
    scorecard.snapshot(); // the owner's snapshot (its timer, GET /scorecard)
    await clock.advance(1000);
    const s = collector.snapshot();
    expect(s.scorecard).toMatchObject({ at: 10_000, window: '1m', reference: 'dt@1' });
    expect(s.history.at(-1)?.agreement['lr@0']?.rate).toBe(0);
    expect(s.alarms.firing.map((a) => a.model)).toEqual(['lr@0', 'lr@0', 'lr@0']);
    collector.stop();
    await scorecard.stop();
  });

  it('keeps a bounded list of recent alarm changes', async () => {
    const clock = new VirtualClock(0);
    const alarm$ = new Subject<ScorecardAlarm>();
    const collector = new DashboardCollector({
      rendezvous: new FakeFrontEnd(),
      clock,
      alarmHistory: 3,
      scorecard: {
        alarm$,
        scorecard$: new Subject<ScorecardSnapshot>(),
        snapshot: () => ({
          at: 0,
          reference: undefined,
          shiftReference: { ready: false, results: 0 },
          windows: [],
        }),
      },
    });
    collector.start();
    for (let i = 0; i < 10; i++)
      alarm$.next({
        kind: 'error-rate',
        state: i % 2 ? 'cleared' : 'firing',
        at: i,
        window: '1m',
        model: 'dt@1',
        sampleSize: 100,
        value: 0.1,
        threshold: 0.05,
      });
    expect(collector.snapshot().alarms.recent).toHaveLength(0); // until the next snapshot
    await clock.advance(1000);
    expect(collector.snapshot().alarms.recent.map((a) => a.at)).toEqual([7, 8, 9]);
    expect(collector.snapshot().alarms.firing).toEqual([]);
    collector.stop();
  });

  it("shows the rollout's last event as its stage", async () => {
    const clock = new VirtualClock(0);
    const events$ = new Subject<RolloutEvent>();
    const collector = new DashboardCollector({
      rendezvous: new FakeFrontEnd(),
      clock,
      rollout: { events$ },
    });
    collector.start();
    await clock.advance(1000);
    expect(collector.snapshot().rollout).toBeNull();
    const base = { rollout: 'r1', candidate: 'dt@2', current: 'dt@1', at: 5 } as const;
    events$.next({
      ...base,
      type: 'stage-started',
      seq: 0,
      stage: 'shadow',
      stageIndex: 0,
      version: 1,
    });
    events$.next({
      ...base,
      type: 'stage-started',
      seq: 2,
      stage: 'canary 10%',
      stageIndex: 1,
      version: 2,
    });
    await clock.advance(1000);
    expect(collector.snapshot().rollout).toMatchObject({
      stage: 'canary 10%',
      stageIndex: 1,
      version: 2,
    });
    collector.stop();
  });

  it('follows a real front end and worker on the memory transport', async () => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker();
    const rendezvous = new Rendezvous<{ x: number }, number>({
      transport: new MemoryTransport({ broker }),
      policy: latestVersion(),
      clock,
      discoveryMs: 0,
      instanceId: 'fe',
    });
    await rendezvous.start();
    const worker = new ModelWorker<{ x: number }, number>({
      transport: new MemoryTransport({ broker }),
      model: { name: 'dt', version: '1', instance: 'dt-a' },
      predict: async (input) => input.x * 2,
      clock,
    });
    await worker.start();
    await clock.tick();
    const collector = new DashboardCollector({ rendezvous, clock });
    collector.start();
    const results: Promise<RendezvousResult<{ x: number }, number>>[] = [];
    for (let i = 0; i < 25; i++) results.push(rendezvous.request({ x: i }));
    await clock.advance(1000);
    await Promise.all(results);
    await clock.advance(1000);
    const s = collector.snapshot();
    expect(s.frontEnd.liveModels).toEqual(['dt@1']);
    expect(s.frontEnd.stats.answered).toBe(25);
    const total = s.history.reduce((n, p) => n + p.requestsPerSecond, 0);
    expect(total).toBe(25);
    expect(s.history.reduce((n, p) => n + (p.answers['dt@1'] ?? 0), 0)).toBe(25);
    collector.stop();
    const closing = rendezvous.stop();
    await clock.advance(1000);
    await closing;
    await worker.stop();
  });
});
