import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A nats-server process with JetStream (file storage) owned by a test file. */
export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` (credentials, when set, are given separately). */
  readonly url: string;
  /** The JetStream storage folder (`-sd`), kept across restarts. */
  readonly dir: string;
  /** Stops the server (SIGTERM by default, SIGKILL to simulate a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and storage folder (JetStream recovers its streams). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

/** True once the server answers a PING on its client port (after its INFO and our CONNECT). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let sent = false;
    socket.setTimeout(500);
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (!sent && data.includes('\r\n')) {
        sent = true;
        socket.write('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
      }
      if (data.includes('PONG') || data.includes('-ERR')) {
        socket.destroy();
        // A server that requires credentials refuses the anonymous CONNECT: it is up.
        resolve(data.includes('PONG') || /authorization violation/i.test(data));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** True once the monitoring port's `/healthz` reports the server (and JetStream) ready. */
async function jetStreamReady(monitorPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, {
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `nats-server -js` on a free loopback port with file storage in a temporary folder
 * (`-sd`), and waits until it answers PING and its health endpoint reports JetStream ready.
 * With `user`/`password`, clients must authenticate.
 *
 * @example
 * ```ts
 * const nats = await requireService('nats-server', () => startNatsServer());
 * ```
 */
export async function startNatsServer(
  options: { user?: string; password?: string } = {},
): Promise<NatsServer> {
  const port = await freePort();
  const monitorPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'rendezvous-nats-'));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const args = [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      String(monitorPort),
      '-js',
      '-sd',
      dir,
      ...(options.user === undefined ? [] : ['--user', options.user]),
      ...(options.password === undefined ? [] : ['--pass', options.password]),
    ];
    const proc = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    const keep = (c: Buffer): void => {
      output = (output + c.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      proc.once('error', (e) =>
        reject(new Error(`cannot run nats-server (is it installed?): ${e.message}`)),
      );
      proc.once('spawn', () => resolve());
    });
    const deadline = Date.now() + 20_000;
    while (!((await ping(port)) && (await jetStreamReady(monitorPort)))) {
      if (proc.exitCode !== null)
        throw new Error(`nats-server exited with ${proc.exitCode}: ${output}`);
      if (Date.now() > deadline)
        throw new Error(`nats-server did not become ready within 20 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };
  try {
    await launch();
  } catch (error) {
    await stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
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
