import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRICS } from '@rendezvous-ml/prometheus';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkMetrics,
  type Family,
  sampleValue,
} from '../../../packages/prometheus/test/support/promlint.js';
import { readConfig } from '../src/config.js';
import { CANONICAL_SAMPLES } from '../src/iris-input.js';
import { type IrisSystem, startIrisSystem } from '../src/iris-system.js';
import { IrisMetrics } from '../src/metrics.js';
import { poll, predict, runConcurrently } from './support/http.js';

const silent = pino({ level: 'silent' });

/** Series a healthy all-in-one system under traffic must show with a value above zero. */
const NON_ZERO: readonly (readonly [string, Record<string, string>])[] = [
  ['rendezvous_requests_total', { status: 'answered' }],
  ['rendezvous_answers_total', { model: 'dt', version: '1' }],
  ['rendezvous_decisions_total', {}],
  ['rendezvous_decision_duration_seconds', { status: 'answered' }],
  ['rendezvous_model_scores_total', { model: 'dt', version: '1', outcome: 'ok' }],
  ['rendezvous_model_score_latency_seconds', { model: 'lr', version: '0' }],
  ['rendezvous_results_published_total', {}],
  ['rendezvous_live_models', { model: 'lr', version: '0' }],
  ['rendezvous_worker_requests_total', { model: 'dt', version: '1', outcome: 'scored' }],
  ['rendezvous_worker_requests_total', { model: 'dt', version: '2', outcome: 'scored' }],
  ['rendezvous_worker_instances', { model: 'lr', version: '0' }],
  ['rendezvous_worker_queue_duration_seconds', { model: 'dt', version: '1' }],
  ['rendezvous_worker_predict_duration_seconds', { model: 'lr', version: '0', outcome: 'ok' }],
  ['rendezvous_archiver_records_total', { archiver: 'decoy' }],
  ['rendezvous_archiver_records_total', { archiver: 'scores' }],
  ['rendezvous_archiver_records_total', { archiver: 'results' }],
  ['rendezvous_archiver_batches_total', { archiver: 'results' }],
  ['rendezvous_archiver_last_flush_timestamp_seconds', { archiver: 'scores' }],
  ['rendezvous_scorecard_agreement_ratio', { window: 'all', model: 'lr', version: '0' }],
  [
    'rendezvous_scorecard_agreement_upper_bound_ratio',
    { window: 'all', model: 'dt', version: '2' },
  ],
  ['rendezvous_scorecard_shift_reference_ready', {}],
  ['rendezvous_scorecard_input_shift_psi', { window: 'all', feature: 'petalWidth' }],
  ['iris_http_requests_total', { route: '/predict', status: '200' }],
  ['iris_predictions_total', { model: 'dt', version: '1' }],
  ['process_cpu_seconds_total', {}],
];

describe('iris GET /metrics (all-in-one, memory transport)', () => {
  let dir: string;
  let system: IrisSystem;
  let url: string;
  let text: string;
  let families: Family[];
  let problems: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-metrics-'));
    const config = readConfig({
      RENDEZVOUS_TRANSPORT: 'memory',
      PORT: '0',
      ARCHIVE_DIR: join(dir, 'archive'),
      MODELS_DIR: join(dir, 'models'),
      HEARTBEAT_MS: '200',
      // A shadow challenger, a small shift reference and frequent snapshots: every panel fills.
      SHADOW: 'dt@2',
      SCORECARD_REFERENCE: '20',
      SCORECARD_INTERVAL_MS: '100',
    });
    // Node's default metrics on: the whole exposition is linted, not only ours.
    system = await startIrisSystem(config, silent, { metrics: new IrisMetrics() });
    url = await system.frontend.listen();
    await poll(() => system.frontend.rendezvous.registry.live().length === 3, 'three models live');
    const answers = await runConcurrently(80, 8, (i) =>
      predict(url, CANONICAL_SAMPLES[i % CANONICAL_SAMPLES.length]!.input),
    );
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(70);
    await predict(url, { sepalLength: 'x' }); // a 400, never published
    // The archivers flush every 250 ms; the scorecard snapshots every 100 ms.
    await poll(
      async () => {
        const scraped = await checkMetrics(await (await fetch(`${url}/metrics`)).text());
        const missing = NON_ZERO.filter(
          ([name, labels]) => !(sampleValue(scraped.families, name, labels)! > 0),
        );
        return missing.length === 0 || undefined;
      },
      'every expected series above zero',
      30_000,
      200,
    ).catch(() => undefined); // the assertions below say which one is missing
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    text = await response.text();
    ({ families, problems } = await checkMetrics(text));
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('parses with prom2javascript and passes promtool-style linting, Node metrics included', () => {
    expect(problems).toEqual([]);
    expect(families.some((f) => f.name.startsWith('nodejs_'))).toBe(true);
  });

  it('exposes every metric of @rendezvous-ml/prometheus, with its documented type', () => {
    for (const m of METRICS)
      expect(families.find((f) => f.name === m.name)?.type, m.name).toBe(m.type);
  });

  it.each(
    NON_ZERO.map(([name, labels]) => [`${name}${JSON.stringify(labels)}`, name, labels] as const),
  )('shows %s above zero', (_, name, labels) => {
    expect(
      sampleValue(families, name, labels),
      text
        .split('\n')
        .filter((l) => l.startsWith(name))
        .join('\n'),
    ).toBeGreaterThan(0);
  });

  it('counts exactly what the components report: answers, worker scores, archived records', () => {
    const fe = system.frontend.rendezvous.stats();
    expect(
      sampleValue(families, 'rendezvous_requests_total', { status: 'answered' }),
    ).toBeLessThanOrEqual(fe.answered);
    expect(fe.answered).toBeGreaterThan(70);
    const dt = system.workers.get('dt')!;
    expect(
      sampleValue(families, 'rendezvous_worker_requests_total', {
        model: 'dt',
        version: '1',
        outcome: 'scored',
      }),
    ).toBeLessThanOrEqual(dt.stats().scored);
    // The bad body got a 400 from HTTP validation: never a request, so never counted as one.
    expect(
      sampleValue(families, 'iris_http_requests_total', { route: '/predict', status: '400' }),
    ).toBe(1);
  });

  it('labels no series with a request id or a worker instance', () => {
    expect(text).not.toContain(system.frontend.rendezvous.instanceId);
    for (const w of system.workers.values()) expect(text).not.toContain(w.model.instance);
  });
});
