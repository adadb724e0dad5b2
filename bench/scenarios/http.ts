import { type HttpTarget, measureHttp } from '../lib/http-load.js';
import { startHttpServer } from '../lib/http-server-process.js';
import type { Measurement, Scenario } from '../lib/types.js';

/** The `/predict` body of every HTTP scenario (a setosa). */
export const PREDICT_BODY = JSON.stringify({
  sepalLength: 5.1,
  sepalWidth: 3.5,
  petalLength: 1.4,
  petalWidth: 0.2,
});

/** The variant names of the floors, which `targets.ts` looks up. */
export const HELLO_FLOOR = 'floor: Fastify hello-world GET /';
export const DIRECT_FLOOR = 'floor: Fastify direct call of both models, POST /predict';

const ratio = (a: number, b: number) => Number((a / b).toFixed(3));

type Timing = { runs: number; seconds: number; warmupSeconds: number };

/** Starts a server process of `kind`, measures it, stops it; its peak RSS goes in the figures. */
async function measureServer(
  kind: 'iris' | 'hello' | 'direct',
  target: Omit<HttpTarget, 'url' | 'cost' | 'costOf'>,
  timing: Timing,
): Promise<Measurement> {
  const server = await startHttpServer(kind);
  let m: Measurement;
  try {
    m = await measureHttp(
      {
        ...target,
        url: server.url,
        cost: () => server.cost(),
        costOf: 'the server process (autocannon not counted)',
      },
      timing,
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...m, peakRssMb: await server.stop() };
}

/**
 * The direct-call floor, measured in a server process of its own: Fastify validating the
 * `/predict` body with the iris schema and calling both models in the handler.
 */
export function measureDirectFloor(scenario: string, timing: Timing): Promise<Measurement> {
  return measureServer(
    'direct',
    { scenario, variant: DIRECT_FLOOR, isFloor: true, path: '/predict', body: PREDICT_BODY },
    timing,
  );
}

/**
 * Scenario 4, HTTP end to end: the iris example's all-in-one process on the memory transport
 * (Fastify, front end, both model workers, decoy and score archiver), loaded by autocannon at
 * 50 connections, against two floors loaded the same way: a Fastify hello-world route, and the
 * direct-call floor (the same body validation, both models called in the handler, the same JSON
 * answer). Each server runs in a child process; autocannon runs in this one. CPU and
 * allocations are the server process's.
 */
export const http: Scenario = async ({ quick }) => {
  const timing = { runs: 3, seconds: quick ? 2 : 10, warmupSeconds: quick ? 1 : 3 };
  const helloFloor = await measureServer(
    'hello',
    { scenario: 'http', variant: HELLO_FLOOR, isFloor: true, path: '/' },
    timing,
  );
  const direct = await measureDirectFloor('http', timing);
  const system = await measureServer(
    'iris',
    {
      scenario: 'http',
      variant: 'iris all-in-one on memory, POST /predict',
      isFloor: false,
      path: '/predict',
      body: PREDICT_BODY,
      comparedWith: DIRECT_FLOOR,
    },
    timing,
  );
  return [
    helloFloor,
    { ...direct, extra: { ...direct.extra, rpsVsHello: ratio(direct.rps, helloFloor.rps) } },
    {
      ...system,
      extra: {
        ...system.extra,
        rpsVsDirect: ratio(system.rps, direct.rps),
        rpsVsHello: ratio(system.rps, helloFloor.rps),
        cpuVsDirect: ratio(system.cpuUsPerRequest!, direct.cpuUsPerRequest!),
      },
    },
  ];
};
