// The README's commands as a user types them, from the repository root, through npm:
// `npm run iris | jq .` (stdout is JSON lines only: the root .npmrc's `loglevel=silent` keeps
// npm's own `> iris` script banners off stdout, the iris banner goes to stderr) and `npm run iris` in a
// terminal (readable lines; a pseudo-terminal from util-linux `script`, stopped with Ctrl-C).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const hasJq = spawnSync('jq', ['--version']).error === undefined;
const scriptVersion = spawnSync('script', ['--version'], { encoding: 'utf8' });
const hasScript = scriptVersion.error === undefined && /util-linux/.test(scriptVersion.stdout);
if (!hasScript)
  console.warn('iris-npm-run: no util-linux `script` on the PATH: the terminal test is skipped');
if (!hasJq) console.warn('iris-npm-run: no jq on the PATH: stdout is checked with JSON.parse only');

let dir = '';
const children: ChildProcess[] = [];

/**
 * The environment of a fresh shell: what npm exports to the scripts it runs (when this suite
 * itself runs under `npm test`) would hide whether the repository's .npmrc does its job.
 */
function freshEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_config_(json|loglevel|silent)$/i.test(k)) env[k] = v;
  return {
    ...env,
    RENDEZVOUS_TRANSPORT: 'memory',
    PORT: '0',
    ARCHIVE_DIR: join(dir, 'archive'),
    MODELS_DIR: join(dir, 'models'),
    LOG_FORMAT: '',
  };
}

function until(read: () => string, pattern: RegExp, what: string, child: ChildProcess) {
  return new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (pattern.test(read())) {
        clearInterval(timer);
        clearTimeout(limit);
        resolve();
      }
    }, 50);
    const limit = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`${what} not seen in 90 s:\n${read()}`));
    }, 90_000);
    child.once('exit', (code) => {
      if (pattern.test(read())) return;
      clearInterval(timer);
      clearTimeout(limit);
      reject(new Error(`exited with ${code} before ${what}:\n${read()}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

describe('npm run iris, from the repository root', () => {
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-npm-run-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0))
      if (c.exitCode === null && c.signalCode === null && c.pid) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          c.kill('SIGKILL');
        }
      }
    await rm(dir, { recursive: true, force: true });
  });

  it('`npm run iris | jq .`: every stdout line is JSON, the iris banner is on stderr', async () => {
    // Its own process group, so that stopping it reaches npm, its shells and iris, as Ctrl-C would.
    const npm = spawn('npm', ['run', 'iris'], {
      cwd: ROOT,
      env: freshEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(npm);
    const jq = hasJq ? spawn('jq', ['-c', '.'], { stdio: ['pipe', 'pipe', 'pipe'] }) : undefined;
    let stdout = '';
    let stderr = '';
    let jqOut = '';
    let jqErr = '';
    npm.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    npm.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    if (jq) {
      npm.stdout?.pipe(jq.stdin!);
      jq.stdout?.on('data', (c: Buffer) => (jqOut += c.toString()));
      jq.stderr?.on('data', (c: Buffer) => (jqErr += c.toString()));
    }
    const stdoutClosed = new Promise<void>((r) => npm.stdout?.once('close', () => r()));
    await until(() => stdout, /"msg":"ready"/, 'the ready line on stdout', npm);
    process.kill(-npm.pid!, 'SIGTERM');
    await stdoutClosed; // every writer (iris included) has exited
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    const messages = lines.map((line) => {
      try {
        return (JSON.parse(line) as { msg: string }).msg;
      } catch {
        throw new Error(`a stdout line is not JSON: ${JSON.stringify(line)}\nstdout:\n${stdout}`);
      }
    });
    expect(messages).toContain('ready');
    expect(messages).toContain('shutting down gracefully');
    expect(stdout).not.toMatch(/^> /m);
    expect(stderr).toContain('Iris is up on http://127.0.0.1:');
    if (jq) {
      expect(await exited(jq), jqErr).toBe(0);
      expect(jqOut.split('\n').filter(Boolean)).toHaveLength(lines.length);
    }
  }, 120_000);

  // util-linux `script` is part of every Debian system (bsdutils): under CI a missing one fails.
  it.skipIf(!hasScript && !process.env.CI && !process.env.RENDEZVOUS_REQUIRE_SERVICES)(
    '`npm run iris` in a terminal: readable log lines, no JSON',
    async () => {
      // `script` runs the command on a pseudo-terminal; writing ^C to it is a Ctrl-C.
      const term = spawn('script', ['-qfec', 'npm run iris', '/dev/null'], {
        cwd: ROOT,
        env: { ...freshEnv(), TERM: 'xterm' },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      children.push(term);
      let screen = '';
      term.stdout?.on('data', (c: Buffer) => (screen += c.toString()));
      term.stderr?.on('data', (c: Buffer) => (screen += c.toString()));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes of the terminal
      const plain = () => screen.replace(/\x1b\[[0-9;]*m/g, '').replace(/\^C/g, '');
      await until(plain, /Ctrl-C stops it gracefully/, 'the banner', term);
      await until(plain, /all: ready/, 'the ready line', term);
      term.stdin?.write('\x03');
      await until(plain, /results archive flushed/, 'the graceful stop', term);
      await exited(term);
      const lines = plain()
        .split(/\r?\n/)
        .filter((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\]/.test(l));
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.find((l) => l.includes('all: ready'))).toMatch(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: all: ready \{"url":"http:\/\/127\.0\.0\.1:\d+"\}$/,
      );
      expect(lines.some((l) => l.includes('all: shutting down gracefully'))).toBe(true);
      expect(plain()).not.toMatch(/^\{"level"/m);
    },
    120_000,
  );
});
