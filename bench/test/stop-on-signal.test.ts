import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type SignalTarget, stopOnSignal, unlessAborted } from '../lib/stop-on-signal.js';

class FakeProcess extends EventEmitter implements SignalTarget {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

const poll = async (ok: () => boolean, what: string, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('stopOnSignal (what bench/run.ts and chaos/run.ts do on Ctrl-C or SIGTERM)', () => {
  it('the first signal aborts the run, stops what it started, then exits 128 + the signal', async () => {
    const target = new FakeProcess();
    const lines: string[] = [];
    let release: () => void = () => undefined;
    const stop = new Promise<void>((r) => {
      release = r;
    });
    let stopCalls = 0;
    const s = stopOnSignal({
      label: 'bench',
      target,
      write: (l) => lines.push(l),
      stop: () => {
        stopCalls++;
        return stop;
      },
    });
    expect(s.signal.aborted).toBe(false);
    target.emit('SIGTERM', 'SIGTERM');
    expect(s.signal.aborted).toBe(true);
    expect(lines[0]).toMatch(/^bench: SIGTERM: stopping the scenario, the services/);
    expect(stopCalls).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(target.exits).toEqual([]); // not before what it started has stopped
    release();
    await s.stopped;
    expect(target.exits).toEqual([143]);
    expect(lines.at(-1)).toBe('bench: stopped');
  });

  it('a second signal exits at once (130 for SIGINT); one within a second is the same Ctrl-C', async () => {
    const target = new FakeProcess();
    let t = 0;
    let stopCalls = 0;
    stopOnSignal({
      label: 'chaos',
      target,
      now: () => t,
      write: () => undefined,
      stop: () => {
        stopCalls++;
        return new Promise(() => undefined);
      },
    });
    target.emit('SIGINT', 'SIGINT'); // from the terminal
    t = 5;
    target.emit('SIGINT', 'SIGINT'); // the same Ctrl-C, forwarded by npm
    expect(target.exits).toEqual([]);
    t = 1500;
    target.emit('SIGINT', 'SIGINT'); // Ctrl-C again
    expect(target.exits).toEqual([130]);
    expect(stopCalls).toBe(1);
  });

  it('a stop that hangs does not keep the process: it exits after stopMs', async () => {
    const target = new FakeProcess();
    const s = stopOnSignal({
      label: 'bench',
      target,
      write: () => undefined,
      stopMs: 50,
      stop: () => new Promise(() => undefined),
    });
    target.emit('SIGTERM', 'SIGTERM');
    await s.stopped;
    expect(target.exits).toEqual([143]);
  });

  it('after dispose (the run ended on its own) a signal is not handled', () => {
    const target = new FakeProcess();
    const s = stopOnSignal({ label: 'bench', target, write: () => undefined, stop: async () => 1 });
    s.dispose();
    expect(target.listenerCount('SIGTERM') + target.listenerCount('SIGINT')).toBe(0);
  });

  it('unlessAborted: the work, or the abort reason as soon as the signal is aborted', async () => {
    const c = new AbortController();
    await expect(unlessAborted(Promise.resolve(7), c.signal)).resolves.toBe(7);
    const pending = unlessAborted(new Promise(() => undefined), c.signal);
    c.abort(new Error('stopped by SIGTERM'));
    await expect(pending).rejects.toThrow('stopped by SIGTERM');
    await expect(unlessAborted(Promise.resolve(1), c.signal)).rejects.toThrow('stopped by SIGTERM');
  });
});

const hasRedis = spawnSync('redis-server', ['--version']).error === undefined;
if (!hasRedis)
  console.warn('stop-on-signal: no redis-server on the PATH: the process test is skipped');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe.skipIf(!hasRedis)('a run process stopped by SIGTERM', () => {
  it('leaves no service and no child process behind, and exits 143', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/signal-run.ts', import.meta.url));
    const run = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    run.stdout.on('data', (c: Buffer) => (out += c.toString()));
    run.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
    try {
      await poll(() => out.includes('\n') || run.exitCode !== null, 'the fixture ready', 60_000);
      const { redisPort, child } = JSON.parse(out) as { redisPort: number; child: number };
      expect(await answers(redisPort)).toBe(true);
      expect(alive(child)).toBe(true);
      run.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(err).toContain('fixture: SIGTERM: stopping');
      expect(err).toContain('fixture: stopped');
      await poll(() => !alive(child), 'the child process gone', 5000);
      expect(await answers(redisPort)).toBe(false);
    } finally {
      if (run.exitCode === null) run.kill('SIGKILL');
    }
  }, 90_000);
});
