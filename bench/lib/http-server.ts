/**
 * Child-process entry of the HTTP scenarios:
 * `node --import tsx bench/lib/http-server.ts iris|hello|direct`. Starts the server on a free
 * loopback port, sends `{ url }` to the parent over IPC, samples its own RSS, answers
 * `{ type: 'bench-cost' }` with its CPU and allocations so far (`process-cost.mjs`), and on the
 * `stop` message replies `{ peakRssMb }`, shuts down and exits. It runs in its own process so
 * that the load generator does not share the server's event loop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCost } from './process-cost.mjs';

interface Running {
  readonly url: string;
  stop(): Promise<void>;
}

async function hello(): Promise<Running> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, stop: () => app.close() };
}

async function direct(): Promise<Running> {
  const { createIrisDirectServer } = await import('./iris-direct-server.js');
  const app = await createIrisDirectServer();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, stop: () => app.close() };
}

async function iris(): Promise<Running> {
  // The example's own all-in-one: decoy, score archiver, both model workers and the front end
  // on the memory transport, each on its own connection, archiving to a temporary folder.
  const { readConfig } = await import('../../examples/iris/src/config.js');
  const { startIrisSystem } = await import('../../examples/iris/src/iris-system.js');
  const { createLogger } = await import('../../examples/iris/src/logger.js');
  const dir = await mkdtemp(join(tmpdir(), 'rendezvous-bench-iris-'));
  const config = readConfig({
    RENDEZVOUS_TRANSPORT: 'memory',
    HOST: '127.0.0.1',
    PORT: '0',
    ARCHIVE_DIR: dir,
    LOG_LEVEL: 'warn',
  });
  const system = await startIrisSystem(config, createLogger('bench', 'warn'));
  const url = await system.frontend.listen();
  // Wait until both models are live, so that the first requests are not answered by one.
  const deadline = Date.now() + 10_000;
  while (system.frontend.rendezvous.registry.live().length < 2 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  return {
    url,
    stop: async () => {
      await system.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const kind = process.argv[2];
const start = { iris, hello, direct }[kind as 'iris' | 'hello' | 'direct'];
if (!start) throw new Error(`unknown server ${kind}`);
const server = await start();
const meter = processCost();
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
let stopping = false;
process.on('message', (message) => {
  if ((message as { type?: string } | null)?.type === 'bench-cost') {
    process.send?.({ type: 'bench-cost', pid: process.pid, ...meter.read() });
    return;
  }
  if (message !== 'stop' || stopping) return;
  stopping = true;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.send?.({ peakRssMb: peak / 2 ** 20 }, () => {
    void server.stop().finally(() => process.exit(0));
  });
});
// The harness went away without a 'stop' (killed): stop too, rather than serve on for nobody.
process.on('disconnect', () => {
  if (stopping) return;
  stopping = true;
  clearInterval(sampler);
  void server.stop().finally(() => process.exit(0));
});
process.send?.({ url: server.url });
