import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/lone-request.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

function run(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['--tsconfig', 'tsconfig.json', script],
      { cwd: root, env: { ...process.env, ...env }, timeout: 15_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('Rendezvous: a request keeps the process alive until it settles', () => {
  it('a script whose only pending work is one request (no model live) settles it at the deadline and exits 0', {
    timeout: 20_000,
  }, async () => {
    const { code, stdout, stderr } = await run({ DISCOVERY_MS: '0' });
    expect({ code, stdout: stdout.trim(), stderr }).toEqual({
      code: 0,
      stdout: 'DEADLINE_EXCEEDED',
      stderr: '',
    });
  });

  it('the same with the default discovery window: start() resolves and the request still settles', {
    timeout: 20_000,
  }, async () => {
    const { code, stdout } = await run({ DISCOVERY_MS: '300' });
    expect({ code, stdout: stdout.trim() }).toEqual({ code: 0, stdout: 'DEADLINE_EXCEEDED' });
  });
});
