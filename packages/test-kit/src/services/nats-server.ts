import { freePort } from './free-port.js';
import { type RestartableServer, startRestartableServer } from './restartable-server.js';
import { textProbe } from './text-probe.js';

/** A nats-server process with JetStream (file storage) owned by a test file. */
export interface NatsServer extends RestartableServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` (credentials, when set, are given separately). */
  readonly url: string;
}

/** True once the server answers a PING on its client port (after its INFO and our CONNECT). */
function ping(port: number): Promise<boolean> {
  let sent = false;
  return textProbe(port, {
    answer: (data, send) => {
      if (!sent && data.includes('\r\n')) {
        sent = true;
        send('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
      }
      if (!data.includes('PONG') && !data.includes('-ERR')) return undefined;
      // A server that requires credentials refuses the anonymous CONNECT: it is up.
      return data.includes('PONG') || /authorization violation/i.test(data);
    },
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
  const server = await startRestartableServer({
    command: 'nats-server',
    args: (dir) => [
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
    ],
    dirPrefix: 'rendezvous-nats-',
    ready: async () => (await ping(port)) && (await jetStreamReady(monitorPort)),
    readyWithinMs: 20_000,
    readyMeans: 'become ready',
  });
  return { ...server, port, url: `nats://127.0.0.1:${port}` };
}
