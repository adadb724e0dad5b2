// `npm run -s iris | jq .`: stdout is JSON lines only (the banner and progress go to stderr);
// on a terminal (or LOG_FORMAT=pretty) the same events are readable lines.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logFormat } from '../src/logger.js';

const BIN = fileURLToPath(new URL('../bin/iris.js', import.meta.url));
let dir = '';

/** Runs `iris` until its stdout has a line matching `until`, then stops it with SIGTERM. */
async function runIris(env: Record<string, string>, until: RegExp) {
  const child = spawn(process.execPath, [BIN], {
    env: {
      ...process.env,
      RENDEZVOUS_TRANSPORT: 'memory',
      PORT: '0',
      ARCHIVE_DIR: join(dir, 'archive'),
      MODELS_DIR: join(dir, 'models'),
      LOG_FORMAT: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`iris not ready in 60 s:\n${stdout}\n${stderr}`)),
      60_000,
    );
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (until.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`iris exited with ${code}:\n${stderr}`));
    });
  });
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { stdout, stderr, code };
}

describe('iris logs', () => {
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-logs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('piped: stdout is JSON lines only, one role key each; the banner is on stderr', async () => {
    const { stdout, stderr, code } = await runIris(
      {},
      /"msg":"shutting down gracefully"|"msg":"ready"/,
    );
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record).toMatchObject({ role: 'all' });
      expect(typeof record.msg).toBe('string');
      expect(line.match(/"role":/g)).toHaveLength(1);
    }
    expect(lines.some((l) => (JSON.parse(l) as { msg: string }).msg === 'ready')).toBe(true);
    expect(stdout).not.toContain('Iris is up');
    expect(stderr).toContain('Iris is up on http://127.0.0.1:');
    // What `| jq .` does with it.
    const jq = spawnSync('jq', ['-c', '.'], { input: stdout, encoding: 'utf8' });
    if (jq.error === undefined) expect(jq.status, jq.stderr).toBe(0);
  }, 90_000);

  it('LOG_FORMAT=pretty (what a terminal gets): readable lines, not JSON', async () => {
    const { stdout } = await runIris({ LOG_FORMAT: 'pretty' }, /all: ready/);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    expect(lines.find((l) => l.includes('all: ready'))).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: all: ready/,
    );
    expect(() => JSON.parse(lines[0] ?? '')).toThrow();
  }, 90_000);

  it('logFormat: LOG_FORMAT wins, else pretty on a terminal, JSON on a pipe', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
});
