import type { ModelRef, RendezvousResult, RendezvousStats } from '@rendezvous-ml/core';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ObservedFrontEnd, RendezvousMetrics } from '../src/index.js';
import { deployment } from './support/deployment.js';
import { checkMetrics, type Family, sampleValue } from './support/promlint.js';

const scrape = async (registry: Registry): Promise<Family[]> =>
  (await checkMetrics(await registry.metrics())).families;

describe('counters read from stats()', () => {
  it('are exact at scrape time: they equal what the components report', async () => {
    const d = await deployment();
    try {
      expect(await d.send([1, 2, 3, 4, 5, 6])).toEqual(Array(6).fill('answered'));
      await d.settle(d.decoy.drain());
      const f = await scrape(d.registry);
      const fe = d.rendezvous.stats();
      expect(sampleValue(f, 'rendezvous_requests_total', { status: 'answered' })).toBe(fe.answered);
      expect(fe.answered).toBe(6);
      expect(sampleValue(f, 'rendezvous_requests_total', { status: 'failed' })).toBe(0);
      expect(sampleValue(f, 'rendezvous_in_flight_requests')).toBe(fe.inFlight);
      for (const w of d.workers) {
        const labels = { model: w.model.name, version: w.model.version };
        expect(
          sampleValue(f, 'rendezvous_worker_requests_total', { ...labels, outcome: 'scored' }),
        ).toBe(w.stats().scored);
        expect(w.stats().scored).toBe(6);
        expect(sampleValue(f, 'rendezvous_worker_instances', labels)).toBe(1);
      }
      // Through the seam given to each worker: one queue time and one predict time each.
      const dt = { model: 'dt', version: '1' };
      expect(sampleValue(f, 'rendezvous_worker_queue_duration_seconds', dt)).toBe(6);
      expect(
        sampleValue(f, 'rendezvous_worker_predict_duration_seconds', { ...dt, outcome: 'ok' }),
      ).toBe(6);
      expect(sampleValue(f, 'rendezvous_archiver_records_total', { archiver: 'decoy' })).toBe(6);
      expect(sampleValue(f, 'rendezvous_live_models', { model: 'dt', version: '1' })).toBe(1);
      expect(
        sampleValue(f, 'rendezvous_archiver_last_flush_timestamp_seconds', { archiver: 'decoy' }),
      ).toBeCloseTo(d.clock.now() / 1000, -1);
    } finally {
      await d.stop();
    }
  });

  it('never go back when a worker stops and a new one of the same version takes over', async () => {
    const d = await deployment();
    try {
      await d.send([1, 2, 3]);
      const dt = { model: 'dt', version: '1' };
      const scored = async () =>
        sampleValue(await scrape(d.registry), 'rendezvous_worker_requests_total', {
          ...dt,
          outcome: 'scored',
        });
      expect(await scored()).toBe(3);
      const [old] = d.workers;
      await d.settle(old!.stop());
      // Stopped: its figures stay (the counter does not drop to 0, the series does not vanish).
      expect(await scored()).toBe(3);
      let f = await scrape(d.registry);
      expect(sampleValue(f, 'rendezvous_worker_instances', dt)).toBeUndefined();
      const replacement = d.worker('dt', '1', 5);
      d.workers[0] = replacement;
      await d.settle(replacement.start());
      await d.send([4, 5]);
      expect(replacement.stats().scored).toBe(2);
      expect(await scored()).toBe(5);
      f = await scrape(d.registry);
      expect(sampleValue(f, 'rendezvous_worker_instances', dt)).toBe(1);
    } finally {
      await d.stop();
    }
  });

  it('never go back when a front end closes and another one is observed', async () => {
    const results = new Subject<RendezvousResult<unknown, unknown>>();
    const registry = new Registry();
    const metrics = new RendezvousMetrics({ registry });
    const answered = async () =>
      sampleValue(await scrape(registry), 'rendezvous_requests_total', { status: 'answered' });
    const first = fakeFrontEnd(results, { answered: 7, lateScores: 2 });
    metrics.observeFrontEnd(first);
    expect(await answered()).toBe(7);
    results.complete(); // the front end closed
    first.counters.answered = 1_000; // read no more once it is retired
    expect(await answered()).toBe(7);
    const second = fakeFrontEnd(new Subject(), { answered: 3 });
    const detach = metrics.observeFrontEnd(second);
    expect(await answered()).toBe(10);
    detach();
    second.counters.answered = 50;
    expect(await answered()).toBe(10);
    expect(sampleValue(await scrape(registry), 'rendezvous_late_scores_total')).toBe(2);
  });
});

describe('counts of results$', () => {
  it('count answers by chosen model, each model’s outcome once, and latencies in seconds', async () => {
    const results = new Subject<RendezvousResult<unknown, unknown>>();
    const registry = new Registry();
    const metrics = new RendezvousMetrics({ registry });
    metrics.observeFrontEnd(fakeFrontEnd(results));
    const dt = { name: 'dt', version: '1', instance: 'dt-a' };
    const lr = { name: 'lr', version: '0', instance: 'lr-a' };
    const shadow = { name: 'dt', version: '2', instance: 'dt2-a' };
    results.next(
      result({
        chosen: { model: dt, output: 1, latencyMs: 20 },
        candidates: [
          { model: dt, status: 'ok', output: 1, latencyMs: 20 },
          {
            model: lr,
            status: 'error',
            error: { code: 'PREDICT_FAILED', message: 'x' },
            latencyMs: 4,
          },
          { model: { name: 'dt', version: '2' }, status: 'pending' },
        ],
        // dt@2 was pending at the decision, then scored late: late, not missing.
        late: [{ model: shadow, status: 'ok', output: 1, latencyMs: 300 }],
        latencyMs: 20,
      }),
    );
    results.next(
      result({
        status: 'failed',
        candidates: [{ model: { name: 'dt', version: '1' }, status: 'pending' }],
        trigger: 'deadline',
        latencyMs: 1000,
      }),
    );
    const f = await scrape(registry);
    const v = (name: string, labels: Record<string, string>) => sampleValue(f, name, labels);
    expect(v('rendezvous_answers_total', { model: 'dt', version: '1' })).toBe(1);
    expect(v('rendezvous_decisions_total', { trigger: 'score' })).toBe(1);
    expect(v('rendezvous_decisions_total', { trigger: 'deadline' })).toBe(1);
    const scores = (model: string, version: string, outcome: string) =>
      v('rendezvous_model_scores_total', { model, version, outcome });
    expect(scores('dt', '1', 'ok')).toBe(1);
    expect(scores('dt', '1', 'missing')).toBe(1);
    expect(scores('lr', '0', 'error')).toBe(1);
    expect(scores('dt', '2', 'late')).toBe(1);
    expect(scores('dt', '2', 'missing')).toBeUndefined();
    const histogram = (name: string, labels: Record<string, string>) =>
      f
        .find((x) => x.name === name)
        ?.data.find((s) => Object.entries(labels).every(([k, x]) => s.labels[k] === x)) as
        | { count: number; sum: number; buckets: Record<string, number> }
        | undefined;
    const failed = histogram('rendezvous_decision_duration_seconds', { status: 'failed' });
    expect(failed).toMatchObject({ count: 1, sum: 1 });
    expect(failed?.buckets['0.5']).toBe(0);
    expect(failed?.buckets['1']).toBe(1);
    expect(
      histogram('rendezvous_model_score_latency_seconds', { model: 'dt', version: '2' }),
    ).toMatchObject({ count: 1, sum: 0.3 });
  });

  it('keep the model label set bounded: versions past maxModels share model="other"', async () => {
    const results = new Subject<RendezvousResult<unknown, unknown>>();
    const registry = new Registry();
    new RendezvousMetrics({ registry, maxModels: 2 }).observeFrontEnd(fakeFrontEnd(results));
    for (let i = 0; i < 50; i++) {
      const model = { name: 'stray', version: String(i), instance: `s-${i}` };
      results.next(
        result({
          chosen: { model, output: 1, latencyMs: 1 },
          candidates: [{ model, status: 'ok', output: 1, latencyMs: 1 }],
        }),
      );
    }
    const answers = (await scrape(registry)).find((x) => x.name === 'rendezvous_answers_total');
    expect(answers?.data.map((s) => [s.labels.version, (s as { value: number }).value])).toEqual([
      ['0', 1],
      ['1', 1],
      ['other', 48],
    ]);
  });
});

describe('the instrumentation seam', () => {
  it('measures queue time (startedAt - receivedAt) and predict time by outcome, per version', async () => {
    const registry = new Registry();
    const metrics = new RendezvousMetrics({ registry });
    const model = { name: 'dt', version: '1', instance: 'dt-a' };
    const start = (receivedAt: number, startedAt: number) =>
      metrics.instrumentation.prediction?.({
        requestId: 'r',
        model,
        meta: {},
        receivedAt,
        startedAt,
        deliveryCount: 1,
      });
    start(1000, 1250)?.finished?.({ outcome: 'ok', finishedAt: 1260 });
    start(2000, 2000)?.finished?.({ outcome: 'expired', finishedAt: 2500 });
    expect(metrics.instrumentation.request).toBeUndefined(); // nothing for front ends: no cost
    const f = await scrape(registry);
    const data = (name: string) =>
      f.find((x) => x.name === name)?.data as {
        labels: Record<string, string>;
        count: number;
        sum: number;
      }[];
    expect(data('rendezvous_worker_queue_duration_seconds')).toMatchObject([
      { labels: { model: 'dt', version: '1' }, count: 2, sum: 0.25 },
    ]);
    const predict = data('rendezvous_worker_predict_duration_seconds');
    expect(predict.find((s) => s.labels.outcome === 'ok')).toMatchObject({ count: 1, sum: 0.01 });
    expect(predict.find((s) => s.labels.outcome === 'expired')).toMatchObject({
      count: 1,
      sum: 0.5,
    });
  });
});

describe('archivers', () => {
  it('count the failed batches and releases of a sink that is down, and carry on once it is back', async () => {
    const d = await deployment();
    try {
      d.sink.failing = true;
      await d.send([1, 2]);
      // The write is retried, then the batch handed back: run virtual time until it is.
      for (let i = 0; i < 200 && d.decoy.stats().failedBatches === 0; i++)
        await d.clock.advance(50);
      let f = await scrape(d.registry);
      const decoy = { archiver: 'decoy' };
      expect(sampleValue(f, 'rendezvous_archiver_failed_batches_total', decoy)).toBeGreaterThan(0);
      expect(sampleValue(f, 'rendezvous_archiver_released_total', decoy)).toBeGreaterThan(0);
      expect(sampleValue(f, 'rendezvous_archiver_records_total', decoy)).toBe(0);
      d.sink.failing = false;
      await d.settle(d.decoy.drain());
      for (let i = 0; i < 100 && d.decoy.stats().archived < 2; i++) await d.clock.advance(100);
      f = await scrape(d.registry);
      expect(sampleValue(f, 'rendezvous_archiver_records_total', decoy)).toBe(2);
      expect(sampleValue(f, 'rendezvous_archiver_pending_records', decoy)).toBe(0);
    } finally {
      await d.stop();
    }
  });
});

describe('the scorecard', () => {
  it('shows the latest snapshot it emitted; a scrape never takes one (nor evaluates alarms)', async () => {
    const d = await deployment();
    try {
      let snapshots = 0;
      d.scorecard.scorecard$.subscribe(() => snapshots++);
      await d.send([1, 2, 3, -1]);
      let f = await scrape(d.registry);
      expect(snapshots).toBe(0);
      expect(f.find((x) => x.name === 'rendezvous_scorecard_error_ratio')?.data).toEqual([]);
      d.scorecard.snapshot();
      f = await scrape(d.registry);
      expect(snapshots).toBe(1);
      const lr = { window: 'all', model: 'lr', version: '0' };
      expect(sampleValue(f, 'rendezvous_scorecard_error_ratio', lr)).toBe(0.25);
      expect(sampleValue(f, 'rendezvous_scorecard_shift_reference_ready')).toBe(0);
      expect(sampleValue(f, 'rendezvous_scorecard_stream_results_total', { outcome: 'read' })).toBe(
        0,
      );
      await d.settle(d.scorecard.stop());
      f = await scrape(d.registry);
      // Stopped: its snapshot is gone, its counters stay.
      expect(f.find((x) => x.name === 'rendezvous_scorecard_error_ratio')?.data).toEqual([]);
      expect(sampleValue(f, 'rendezvous_scorecard_stream_results_total', { outcome: 'read' })).toBe(
        0,
      );
    } finally {
      await d.stop();
    }
  });

  it('counts alarms and shows each one firing (1) or cleared (0), with its subject', async () => {
    const registry = new Registry();
    const metrics = new RendezvousMetrics({ registry });
    const alarm$ = new Subject<import('@rendezvous-ml/scorecard').ScorecardAlarm>();
    metrics.observeScorecard({
      alarm$,
      scorecard$: new Subject(),
      streamStats: () => ({ read: 5, duplicates: 1, deadLettered: 0, dropped: 0, failed: 0 }),
    });
    const base = { at: 0, window: '1m', sampleSize: 100, value: 0.4, threshold: 0.25 };
    alarm$.next({ ...base, kind: 'input-shift', state: 'firing', feature: 'petalWidth' });
    alarm$.next({ ...base, kind: 'error-rate', state: 'firing', model: 'lr@0' });
    alarm$.next({ ...base, kind: 'error-rate', state: 'cleared', model: 'lr@0' });
    const f = await scrape(registry);
    const firing = (labels: Record<string, string>) =>
      sampleValue(f, 'rendezvous_scorecard_alarm_firing', labels);
    expect(firing({ kind: 'input-shift', feature: 'petalWidth', model: '' })).toBe(1);
    expect(firing({ kind: 'error-rate', model: 'lr', version: '0', feature: '' })).toBe(0);
    expect(
      sampleValue(f, 'rendezvous_scorecard_alarms_total', { kind: 'error-rate', state: 'firing' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'rendezvous_scorecard_stream_results_total', { outcome: 'duplicate' }),
    ).toBe(1);
  });
});

function fakeFrontEnd(
  results$: Subject<RendezvousResult<unknown, unknown>>,
  counters: Partial<RendezvousStats> = {},
  live: ModelRef[] = [],
): ObservedFrontEnd & { counters: Record<string, number> } {
  const all: Record<string, number> = { ...zeroStats(), ...counters };
  return {
    results$,
    counters: all,
    stats: () => ({ ...zeroStats(), ...all }) as RendezvousStats,
    registry: { live: () => live },
  };
}

function zeroStats(): RendezvousStats {
  return {
    inFlight: 0,
    openMailboxes: 0,
    answered: 0,
    failed: 0,
    deadlineExceeded: 0,
    overloaded: 0,
    lateScores: 0,
    orphanScores: 0,
    duplicateScores: 0,
    invalidScores: 0,
    resultsPublished: 0,
    resultPublishFailures: 0,
    replyChannelLosses: 0,
    invalidHeartbeats: 0,
  };
}

function result(
  r: Partial<RendezvousResult<unknown, unknown>> & { trigger?: 'score' | 'deadline' },
): RendezvousResult<unknown, unknown> {
  const { trigger = 'score', ...rest } = r;
  return {
    requestId: 'fe-1',
    input: 1,
    status: r.chosen ? 'answered' : 'failed',
    candidates: [],
    late: [],
    decidedBy: { policy: 'first', reason: 'test', trigger },
    startedAt: 0,
    decidedAt: r.latencyMs ?? 0,
    latencyMs: 0,
    ...rest,
  };
}
