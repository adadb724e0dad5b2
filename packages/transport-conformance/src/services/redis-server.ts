import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A redis-server process owned by a test file, which it can kill and restart. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGTERM by default, SIGKILL to simulate a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data folder (AOF replays what was written). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      socket.destroy();
      // A server with a password answers NOAUTH: it is up.
      resolve(data.startsWith('+PONG') || data.startsWith('-NOAUTH'));
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port with AOF on, and waits until it answers PING.
 * With `password`, the default user needs it (`requirepass`); `url` then carries it.
 */
export async function startRedisServer(
  options: { appendonly?: boolean; password?: string } = {},
): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'rendezvous-redis-'));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      options.appendonly === false ? 'no' : 'yes',
      '--appendfsync',
      'always',
      '--protected-mode',
      'yes',
      ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    proc.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    const spawned = new Promise<void>((resolve, reject) => {
      proc.once('error', (e) =>
        reject(new Error(`cannot run redis-server (is it installed?): ${e.message}`)),
      );
      proc.once('spawn', () => resolve());
    });
    await spawned;
    const deadline = Date.now() + 15_000;
    while (!(await ping(port))) {
      if (proc.exitCode !== null)
        throw new Error(`redis-server exited with ${proc.exitCode}: ${output}`);
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer PING within 15 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    url:
      options.password === undefined
        ? `redis://127.0.0.1:${port}`
        : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    dir,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    dispose: async () => {
      await stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
