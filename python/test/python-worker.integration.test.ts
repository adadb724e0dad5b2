/**
 * The Python worker package (python/rendezvous-worker) against a real redis-server: its own unit
 * tests, then a TypeScript front end served by a Python worker process side by side with a
 * TypeScript worker. Under CI=true a missing Python module or redis-server fails the run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { latestVersion, ModelWorker, Rendezvous } from '@rendezvous-ml/core';
import {
  type RedisServer,
  requireService,
  startRedisServer,
  startWorkerProcess,
  type WorkerProcess,
  waitFor,
} from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython } from './support/find-python.js';

const packageDir = fileURLToPath(new URL('../rendezvous-worker', import.meta.url));
const py = findPython(['redis', 'numpy']);
const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

function run(
  python: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { cwd: packageDir, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!py.ok || !redis.ok)('the Python worker on Redis', () => {
  const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);
  const python = py.ok ? py.python : 'python3';
  const processes: WorkerProcess[] = [];

  afterAll(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    await server?.dispose();
  });

  it('passes its unit tests against this redis-server', { timeout: 180_000 }, async () => {
    const { code, output } = await run(
      python,
      ['-m', 'unittest', 'discover', '-s', 'tests', '-p', 'test_[er]*.py', '-v'],
      {
        RENDEZVOUS_REDIS_URL: server.url,
        RENDEZVOUS_REQUIRE_SERVICES: '1',
        PYTHONDONTWRITEBYTECODE: '1',
      },
    );
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/\.\.\. skipped|skipped=/);
  });

  it('answers a TypeScript front end beside a TypeScript worker, and leaves at once on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    const keyPrefix = `pyint${Date.now().toString(36)}:`;
    const [front, back] = [
      new RedisTransport({ url: server.url, keyPrefix }),
      new RedisTransport({ url: server.url, keyPrefix }),
    ];
    const tsWorker = new ModelWorker({
      transport: back,
      model: { name: 'echo', version: '1' },
      predict: (x) => x,
    });
    await tsWorker.start();
    const worker = startWorkerProcess(
      `${python} -u examples/echo_worker.py`,
      {
        RENDEZVOUS_TRANSPORT: 'redis',
        RENDEZVOUS_REDIS_URL: server.url,
        RENDEZVOUS_PREFIX: keyPrefix,
        RENDEZVOUS_MODEL_NAME: 'echo',
        RENDEZVOUS_MODEL_VERSION: '2',
        RENDEZVOUS_HEARTBEAT_MS: '5000',
      },
      packageDir,
    );
    processes.push(worker);
    const rendezvous = new Rendezvous({
      transport: front,
      policy: latestVersion(),
      deadlineMs: 5000,
    });
    await rendezvous.start();
    try {
      await waitFor(
        () => rendezvous.registry.live().some((m) => m.version === '2'),
        `the Python worker to be live (${worker.output()})`,
        15_000,
      );
      const inputs = Array.from({ length: 30 }, (_, i) => ({ i, features: [i, i / 2, null] }));
      const results = await Promise.all(inputs.map((x) => rendezvous.request(x)));
      for (const [i, r] of results.entries()) {
        expect(r.chosen?.output).toEqual(inputs[i]);
        expect(r.chosen?.model.version).toBe('2');
        expect(r.candidates.map((c) => c.model.version).sort()).toEqual(['1', '2']);
      }
      const failed = await rendezvous.request({ fail: true });
      expect(failed.chosen?.model.version).toBe('1'); // the Python error score made it fall back at once
      expect(failed.candidates.find((c) => c.model.version === '2')).toMatchObject({
        status: 'error',
        error: { code: 'ECHO_FAILED' },
      });
      const stoppedAt = Date.now();
      const exited = worker.kill('SIGTERM');
      await waitFor(
        () => !rendezvous.registry.live().some((m) => m.version === '2'),
        'the leaving heartbeat',
        3000,
      );
      expect(Date.now() - stoppedAt).toBeLessThan(3000); // not the 15 s a silent worker would take
      expect(await exited).toBe(true);
      expect(worker.exitCode, worker.output()).toBe(0);
      expect(rendezvous.stats().invalidScores).toBe(0);
    } finally {
      await rendezvous.close();
      await tsWorker.stop();
      await front.close();
      await back.close();
    }
  });
});
