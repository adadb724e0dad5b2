import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  type RedisServer,
  requireService,
  startRedisServer,
} from '@rendezvous-ml/transport-conformance';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../src/iris-models.js';
import { irisLoad } from '../src/load.js';
import { ensureChallengers, ensureModels } from '../src/train.js';
import { get, poll } from './support/http.js';
import { type IrisProcess, startIrisProcess } from './support/iris-processes.js';
import { type LoadAnswer, startSteadyPredictLoad } from './support/steady-predict-load.js';

const BIN = fileURLToPath(new URL('../bin/iris.js', import.meta.url));
const RATE = 100;

const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

/** Runs `iris <args>` to its end; resolves with its exit code and what it printed. */
function runIris(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `iris ${args.join(' ')} still running after ${timeoutMs} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const byModel = (answers: readonly LoadAnswer[]) => {
  const counts: Record<string, number> = {};
  for (const a of answers) if (a.model) counts[a.model] = (counts[a.model] ?? 0) + 1;
  return counts;
};

describe.skipIf(!redis.ok)('iris rollout over Redis, multi-process, under steady load', () => {
  const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);
  const processes = new Map<string, IrisProcess>();
  let env: Record<string, string>;
  let url: string;
  let archiveDir: string;

  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    await ensureModels(DEFAULT_MODELS_DIR, logger);
    await ensureChallengers(DEFAULT_MODELS_DIR, logger);
    archiveDir = await mkdtemp(join(tmpdir(), 'iris-rollout-'));
    env = {
      RENDEZVOUS_TRANSPORT: 'redis',
      REDIS_URL: server.url,
      ARCHIVE_DIR: archiveDir,
      PORT: String(await freePort()),
      HEARTBEAT_MS: '300',
      DEADLINE_MS: '1000',
      LOG_LEVEL: 'warn',
      // As `SHADOW=dt@2,bad@1 iris up` starts it: the new versions score, never answer.
      SHADOW: 'dt@2,bad@1',
    };
    for (const model of ['dt', 'lr', 'dt@2', 'bad@1'])
      processes.set(model, startIrisProcess(['worker', '--model', model], env));
    await Promise.all([...processes.values()].map((p) => p.ready));
    const frontend = startIrisProcess(['frontend'], env);
    processes.set('frontend', frontend);
    url = (await frontend.ready).url!;
    await poll(
      async () => (await get<{ live: unknown[] }>(url, '/models')).body.live.length === 4,
      'the front end to see the four versions alive',
      30_000,
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
    await server.dispose();
  });

  it('rolls dt@2 out to retirement of dt@1, then rolls bad@1 back on its own, with 0 failed requests', {
    timeout: 300_000,
  }, async () => {
    const inputs = await irisLoad({ count: 2000, seed: 5 });
    const load = startSteadyPredictLoad(url, RATE, inputs);
    const logs = () =>
      [...processes.entries()].map(([n, p]) => `--- ${n}:\n${p.output().slice(-3000)}`).join('\n');
    let run: Awaited<ReturnType<typeof runIris>>;
    try {
      run = await runIris(
        [
          'rollout',
          'dt@2',
          '--rollback-test',
          'bad@1',
          '--min-samples',
          '200',
          '--min-stage-ms',
          '1000',
          '--max-stage-ms',
          '60000',
        ],
        env,
        240_000,
      );
    } finally {
      await load.stop();
    }
    const out = run.stdout;
    expect(run.code, `${out}\n${run.stderr}\n${logs()}`).toBe(0);
    const lines = out.trimEnd().split('\n');
    const decisions = lines
      .map((l) => /^\[ *[\d.]+ s\] (.+?) {2,}(started|advanced|ROLLED BACK|COMPLETED)\b/.exec(l))
      .flatMap((m) => (m ? [`${m[2]} ${m[1]!.trim()}`] : []));
    expect(decisions).toEqual([
      'started shadow',
      'advanced shadow',
      'started canary 1%',
      'advanced canary 1%',
      'started canary 10%',
      'advanced canary 10%',
      'started canary 50%',
      'advanced canary 50%',
      'started promoted',
      'advanced promoted',
      'started retired',
      'COMPLETED retired',
      'started shadow',
      'ROLLED BACK shadow',
    ]);
    expect(out).toMatch(/rollback test: bad@1 was rolled back as it should be \(alarm: agreement/);

    const answers = load.answers;
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(answers.length).toBeGreaterThan(RATE * 10);
    const counts = byModel(answers);
    expect(counts['dt@2']).toBeGreaterThan(0);
    expect(counts['dt@1']).toBeGreaterThan(0);
    expect(counts['bad@1'] ?? 0).toBe(0);
    // The last answers, after dt@1 retired and bad@1 rolled back: dt@2 only.
    const tail = answers.slice(-RATE);
    expect(byModel(tail)).toEqual({ 'dt@2': tail.length });
  });
});
