/**
 * The conformance runner for foreign workers, on a real redis-server: the Python worker package
 * passes every check, and deliberately broken workers fail with a reason that says what is wrong.
 */
import { fileURLToPath } from 'node:url';
import {
  formatConformanceReport,
  type RedisServer,
  requireService,
  runWorkerConformance,
  startRedisServer,
} from '@rendezvous-ml/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython } from './support/find-python.js';

const packageDir = fileURLToPath(new URL('../rendezvous-worker', import.meta.url));
const broken = fileURLToPath(new URL('./fixtures/broken_worker.py', import.meta.url));
const py = findPython(['redis']);
const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

describe.skipIf(!py.ok || !redis.ok)('worker conformance runner on Redis', () => {
  const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);
  const python = py.ok ? py.python : 'python3';
  const broker = { transport: 'redis', url: server?.url ?? '' } as const;

  afterAll(async () => {
    await server?.dispose();
  });

  it('passes the Python worker package on every check', { timeout: 120_000 }, async () => {
    const report = await runWorkerConformance({
      broker,
      cmd: `${python} -u examples/echo_worker.py`,
      cwd: packageDir,
    });
    expect(report.ok, formatConformanceReport(report)).toBe(true);
    expect(report.checks.length).toBeGreaterThanOrEqual(11);
  });

  it('fails a worker whose heartbeats carry a numeric version, and says so', {
    timeout: 120_000,
  }, async () => {
    const report = await runWorkerConformance({
      broker,
      cmd: `BROKEN_MODE=heartbeat ${python} -u ${broken}`,
      startTimeoutMs: 5000,
    });
    expect(report.ok).toBe(false);
    const [first, ...rest] = report.checks;
    expect(first?.status).toBe('failed');
    expect(first?.reason).toMatch(/fail heartbeat\.schema\.json.*\/model\/version must be string/);
    expect(rest.every((c) => c.status === 'not run')).toBe(true);
  });

  it('fails a worker that sends its scores to the bare replyTo key, and says where they belong', {
    timeout: 120_000,
  }, async () => {
    const report = await runWorkerConformance({
      broker,
      cmd: `BROKEN_MODE=address ${python} -u ${broken}`,
      startTimeoutMs: 5000,
    });
    expect(report.ok).toBe(false);
    const scores = report.checks.find(
      (c) => c.name === 'sends schema-valid scores to the return address',
    );
    expect(scores?.status).toBe('failed');
    expect(scores?.reason).toMatch(
      /no score for request .* at the return address .*<prefix>r:<replyTo>/,
    );
    expect(report.checks.find((c) => c.name.startsWith('announces'))?.status).toBe('passed');
  });
});
