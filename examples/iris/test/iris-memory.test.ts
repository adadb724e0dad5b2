import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonlArchive } from '@rendezvous-ml/core';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IrisConfig, readConfig } from '../src/config.js';
import { type IrisFrontend, startIrisFrontend } from '../src/frontend.js';
import { CANONICAL_SAMPLES, EXAMPLE_INPUT } from '../src/iris-input.js';
import { toPredictor, trainIrisModels } from '../src/iris-models.js';
import { type IrisSystem, startIrisSystem } from '../src/iris-system.js';
import { IrisMetrics } from '../src/metrics.js';
import { get, poll, predict } from './support/http.js';
import { type IrisDeployment, irisEndToEnd } from './support/iris-end-to-end.js';

const silent = pino({ level: 'silent' });
const BIN = fileURLToPath(new URL('../bin/iris.js', import.meta.url));

function testConfig(dir: string, env: Record<string, string> = {}): IrisConfig {
  return readConfig({
    RENDEZVOUS_TRANSPORT: 'memory',
    PORT: '0',
    ARCHIVE_DIR: join(dir, 'archive'),
    MODELS_DIR: join(dir, 'models'),
    HEARTBEAT_MS: '200',
    ...env,
  });
}

describe('training', () => {
  it('is deterministic: the same seed gives byte-identical models', async () => {
    const [a, b] = await Promise.all([trainIrisModels(7), trainIrisModels(7)]);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('gives accurate models that answer the example body with class 2', async () => {
    const models = await trainIrisModels();
    for (const m of models) {
      expect(m.heldOutAccuracy, m.name).toBeGreaterThanOrEqual(0.85);
      expect(m.testSize + m.trainSize).toBe(150);
      const predictor = toPredictor(m);
      expect(predictor.predict(EXAMPLE_INPUT), m.name).toBe(2);
      expect(
        CANONICAL_SAMPLES.map((s) => predictor.predict(s.input)),
        m.name,
      ).toEqual([0, 1, 2]);
    }
    expect(models.map((m) => [m.name, m.version])).toEqual([
      ['dt', 1],
      ['lr', 0],
    ]);
  });
});

describe('iris all-in-one on the memory transport', () => {
  let dir: string;
  let system: IrisSystem;
  let deployment: IrisDeployment;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-memory-'));
    // MODELS_DIR is empty: the system trains the models first.
    const config = testConfig(dir);
    system = await startIrisSystem(config, silent, {
      metrics: new IrisMetrics({ defaultMetrics: false }),
    });
    const url = await system.frontend.listen();
    const frontendTransport = system.transports.get('frontend') as MemoryTransport;
    deployment = {
      url,
      archiveDir: config.archiveDir,
      deadlineMs: config.deadlineMs,
      published: () => frontendTransport.broker.stats().published,
      killDt: () => system.kill('dt'),
      shutdown: () => system.stop(),
    };
    await poll(() => system.frontend.rendezvous.registry.live().length === 2, 'both models live');
  });

  afterAll(async () => {
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('trained the missing models into MODELS_DIR', async () => {
    const saved = JSON.parse(await readFile(join(dir, 'models', 'dt.json'), 'utf8'));
    expect(saved).toMatchObject({ name: 'dt', version: 1, format: 'rendezvous-iris-model/1' });
  });

  irisEndToEnd(() => deployment, { slowTimeoutMs: 60_000 });
});

describe('errors from the system', () => {
  let dir: string;
  let transport: MemoryTransport;
  let frontend: IrisFrontend;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-errors-'));
    // A front end with no model at all, a short deadline and room for one request in flight.
    transport = new MemoryTransport();
    frontend = await startIrisFrontend(
      transport,
      testConfig(dir, { DEADLINE_MS: '150', MAX_IN_FLIGHT: '1' }),
      silent,
      { metrics: new IrisMetrics({ defaultMetrics: false }) },
    );
    await frontend.listen();
  });

  afterAll(async () => {
    await frontend?.close();
    await transport?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 504 DEADLINE_EXCEEDED when no model scores before the deadline', async () => {
    const answer = await predict(frontend.url!, EXAMPLE_INPUT);
    expect(answer.status).toBe(504);
    expect(answer.body.error?.code).toBe('DEADLINE_EXCEEDED');
    expect(answer.body.messageId).toMatch(/^fe-/);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(140);
  });

  it('answers 503 OVERLOADED when the in-flight limit is reached', async () => {
    const first = predict(frontend.url!, EXAMPLE_INPUT);
    await poll(() => frontend.rendezvous.stats().inFlight === 1, 'one request in flight');
    const second = await predict(frontend.url!, EXAMPLE_INPUT);
    expect(second.status).toBe(503);
    expect(second.body.error?.code).toBe('OVERLOADED');
    expect((await first).status).toBe(504);
  });
});

describe('npm run iris (the all command, as a process)', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('starts, prints the URL and curl commands, answers, and archives everything on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-all-'));
    const archiveDir = join(dir, 'archive');
    const proc = spawn(process.execPath, [BIN, 'all'], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, PORT: '0', ARCHIVE_DIR: archiveDir, LOG_LEVEL: 'warn' },
    });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      proc.on('message', (m: { type?: string; url?: string }) => {
        if (m.type === 'ready' && m.url) resolve(m.url);
      });
      proc.once('exit', (code) => reject(new Error(`iris all exited with ${code}: ${output}`)));
    });
    await poll(() => output.includes(`curl -X POST ${url}/predict`), 'the banner');
    expect(output).toContain(`curl ${url}/ping`);
    const ids: string[] = [];
    for (const sample of CANONICAL_SAMPLES) {
      const answer = await predict(url, sample.input);
      expect(answer.status).toBe(200);
      ids.push(answer.body.messageId);
    }
    expect((await get(url, '/ping')).body).toEqual({ ping: 'pong' });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const decoy = new Set(
      (await readJsonlArchive(join(archiveDir, 'decoy'))).map((r) => r.requestId),
    );
    const scores = new Set(
      (await readJsonlArchive(join(archiveDir, 'scores'))).map((r) => r.requestId),
    );
    const results = new Set(
      (await readJsonlArchive(join(archiveDir, 'results'))).map((r) => r.kind === 'result' && r.id),
    );
    for (const id of ids) {
      expect(decoy.has(id), id).toBe(true);
      expect(scores.has(id), id).toBe(true);
      expect(results.has(id), id).toBe(true);
    }
  }, 60_000);
});
