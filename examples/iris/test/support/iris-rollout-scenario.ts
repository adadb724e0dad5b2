import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonlArchive } from '@rendezvous-ml/core';
import { freePort } from '@rendezvous-ml/test-kit';
import { pino } from 'pino';
import { expect } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../../src/iris-models.js';
import { irisLoad } from '../../src/load.js';
import { ensureChallengers, ensureModels } from '../../src/train.js';
import { get, poll } from './http.js';
import { type IrisProcess, startIrisProcess } from './iris-processes.js';
import { type LoadAnswer, startSteadyPredictLoad } from './steady-predict-load.js';

const BIN = fileURLToPath(new URL('../../bin/iris.js', import.meta.url));

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

/**
 * The rollout scenario of the iris README (section 7) on the transport `transportEnv` selects:
 * the four workers (dt@1, lr@0, and dt@2, bad@1 in shadow) and the front end as processes,
 * `rate` requests a second throughout (default 100), then `iris rollout dt@2 --rollback-test bad@1` as a process.
 * Every stage in order, dt@1 retired (its worker exits), bad@1 rolled back on an alarm, the events
 * archived in order, and not one failed request.
 */
export async function irisRolloutScenario(
  transportEnv: Readonly<Record<string, string>>,
  { rate = 100, deadlineMs = 1000, heartbeatMs = 300 } = {},
): Promise<void> {
  const RATE = rate;
  const logger = pino({ level: 'silent' });
  await ensureModels(DEFAULT_MODELS_DIR, logger);
  await ensureChallengers(DEFAULT_MODELS_DIR, logger);
  const archiveDir = await mkdtemp(join(tmpdir(), 'iris-rollout-'));
  const processes = new Map<string, IrisProcess>();
  const env = {
    ...transportEnv,
    ARCHIVE_DIR: archiveDir,
    PORT: String(await freePort()),
    HEARTBEAT_MS: String(heartbeatMs),
    DEADLINE_MS: String(deadlineMs),
    LOG_LEVEL: 'warn',
    // As `SHADOW=dt@2,bad@1 iris up` starts it: the new versions score, never answer.
    SHADOW: 'dt@2,bad@1',
  };
  try {
    for (const model of ['dt', 'lr', 'dt@2', 'bad@1'])
      processes.set(model, startIrisProcess(['worker', '--model', model], env));
    await Promise.all([...processes.values()].map((p) => p.ready));
    const frontend = startIrisProcess(['frontend'], env);
    processes.set('frontend', frontend);
    const url = (await frontend.ready).url!;
    await poll(
      async () => (await get<{ live: unknown[] }>(url, '/models')).body.live.length === 4,
      'the front end to see the four versions alive',
      60_000,
    );
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
    // Every transition archived, in order, under ARCHIVE_DIR/rollout/.
    const archived = (await readJsonlArchive(join(archiveDir, 'rollout'))).flatMap((r) =>
      r.kind === 'event' && r.event.type !== 'gate-figures'
        ? [`${r.event.type} ${String(r.event.stage)}`]
        : [],
    );
    expect(archived).toEqual(
      decisions.map((d) =>
        d
          .replace(/^started/, 'stage-started')
          .replace(/^ROLLED BACK/, 'rolled-back')
          .replace(/^COMPLETED/, 'completed'),
      ),
    );
    // dt@1's worker heard the retire, drained and ended by itself.
    const dt1 = processes.get('dt')!.child;
    await poll(() => dt1.exitCode !== null, 'the retired dt@1 worker to exit', 15_000);
    expect(dt1.exitCode).toBe(0);
    // The last answers, after dt@1 retired and bad@1 rolled back: dt@2 only.
    const tail = answers.slice(-RATE);
    expect(byModel(tail)).toEqual({ 'dt@2': tail.length });
  } finally {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await rm(archiveDir, { recursive: true, force: true });
  }
}
