import { freePort } from './free-port.js';
import { type RestartableServer, startRestartableServer } from './restartable-server.js';
import { textProbe } from './text-probe.js';

/** A redis-server process owned by a test file, which it can kill and restart. */
export interface RedisServer extends RestartableServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, with the password when one is set. */
  readonly url: string;
}

/** True once the server answers PING (a server with a password answers NOAUTH: it is up). */
function ping(port: number): Promise<boolean> {
  return textProbe(port, {
    hello: 'PING\r\n',
    answer: (data) => data.startsWith('+PONG') || data.startsWith('-NOAUTH'),
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
  const server = await startRestartableServer({
    command: 'redis-server',
    args: (dir) => [
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
    ],
    dirPrefix: 'rendezvous-redis-',
    ready: () => ping(port),
    readyWithinMs: 15_000,
    readyMeans: 'answer PING',
  });
  const url =
    options.password === undefined
      ? `redis://127.0.0.1:${port}`
      : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`;
  return { ...server, port, url };
}
