import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from '../lib/closed-loop.js';
import type { Measurement, Scenario } from '../lib/types.js';

const serverEntry = fileURLToPath(new URL('../lib/http-server.ts', import.meta.url));

interface Server {
  readonly url: string;
  /** Stops the server and returns its peak RSS. */
  stop(): Promise<number>;
}

function startServer(kind: 'iris' | 'hello'): Promise<Server> {
  // Set by `bench/run.ts` when it profiles this scenario: the time is spent in the server.
  const profileDir = kind === 'iris' ? process.env.BENCH_PROFILE_DIR : undefined;
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = fork(serverEntry, [kind], {
    execArgv: [...prof, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${kind} server did not start within 60 s`));
    }, 60_000);
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
    child.once('message', (m: { url?: string }) => {
      clearTimeout(timer);
      if (!m.url) return reject(new Error(`the ${kind} server sent no url`));
      resolve({
        url: m.url,
        stop: () =>
          new Promise<number>((done) => {
            let rss = Number.NaN;
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.removeAllListeners('exit');
            child.on('message', (r: { peakRssMb?: number }) => {
              if (r.peakRssMb !== undefined) rss = r.peakRssMb;
            });
            child.once('exit', () => {
              clearTimeout(kill);
              done(rss);
            });
            child.send('stop');
          }),
      });
    });
  });
}

interface Load {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function load(
  url: string,
  path: string,
  body: string | undefined,
  seconds: number,
): Promise<Load> {
  const r = await autocannon({
    url: `${url}${path}`,
    connections: 50,
    duration: seconds,
    ...(body
      ? { method: 'POST' as const, body, headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/**
 * Scenario 4, HTTP end to end: the iris example's all-in-one process on the memory transport
 * (Fastify, front end, both model workers, decoy and score archiver), loaded by autocannon at
 * 50 connections, against a Fastify hello-world route loaded the same way. The server runs in
 * a child process; autocannon runs in this one.
 */
export const http: Scenario = async ({ quick }) => {
  const runs = 3;
  const seconds = quick ? 2 : 10;
  const body = JSON.stringify({
    sepalLength: 5.1,
    sepalWidth: 3.5,
    petalLength: 1.4,
    petalWidth: 0.2,
  });
  const targets = [
    {
      kind: 'hello' as const,
      variant: 'floor: Fastify hello-world GET /',
      isFloor: true,
      path: '/',
      body: undefined,
    },
    {
      kind: 'iris' as const,
      variant: 'iris all-in-one on memory, POST /predict',
      isFloor: false,
      path: '/predict',
      body,
    },
  ];
  const out: Measurement[] = [];
  for (const t of targets) {
    const server = await startServer(t.kind);
    let peakRssMb = Number.NaN;
    const results: Load[] = [];
    try {
      await load(server.url, t.path, t.body, quick ? 1 : 3); // warm-up
      for (let i = 0; i < runs; i++) results.push(await load(server.url, t.path, t.body, seconds));
    } finally {
      peakRssMb = await server.stop();
    }
    const pick = (k: keyof Load) => median(results.map((r) => r[k]));
    out.push({
      scenario: 'http',
      variant: t.variant,
      isFloor: t.isFloor,
      concurrency: 50,
      requests: pick('requests'),
      rps: pick('rps'),
      p50Ms: pick('p50Ms'),
      p99Ms: pick('p99Ms'),
      maxMs: pick('maxMs'),
      peakRssMb,
      extra: { seconds, non2xx: pick('non2xx'), errors: pick('errors') },
    });
  }
  return out;
};
