/**
 * The realistic deployment (issue 18): the iris service split over Redis Streams, as `iris up`
 * runs it: the HTTP front end in one process, the dt and lr workers, the decoy and the archiver
 * (scores and results) each in their own, all on the bench's redis-server. Loaded as the
 * `http` scenario loads the all-in-one (autocannon, 50 connections, `POST /predict`), against
 * the direct-call floor measured in the same scenario.
 *
 * CPU and allocations per request are the sum over the five processes of the system (each
 * reports its own, `cost-probe.mjs`); redis-server's CPU is `extra.brokerCpuUsPerRequest`
 * (its `INFO cpu`). Targets: ≥ 40% of the direct-call floor's req/s; p99 < 25 ms.
 */
import { Redis } from 'ioredis';
import { measureHttp } from '../lib/http-load.js';
import { startIrisSplit } from '../lib/iris-split.js';
import { redisServerCpu } from '../lib/redis-server-cpu.js';
import type { BenchOptions, Measurement, Scenario } from '../lib/types.js';
import { DIRECT_FLOOR, measureDirectFloor, PREDICT_BODY } from './http.js';

/** The variant name of the split deployment, which `targets.ts` looks up. */
export const SPLIT_VARIANT =
  'iris split over Redis (front end, dt, lr, decoy, archiver: 5 processes), POST /predict';

/** Deletes the example's keys (`iris:*`): a rollout or a previous run may have left some. */
async function clearIrisKeys(url: string): Promise<void> {
  const admin = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', 'iris:*', 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

const ratio = (a: number, b: number) => Number((a / b).toFixed(3));

/** Benchmark scenario of the split iris deployment (needs `options.redisUrl`). */
export const httpRedis: Scenario = async (options: BenchOptions): Promise<Measurement[]> => {
  const url = options.redisUrl;
  if (!url) throw new Error('the http-redis scenario needs options.redisUrl');
  const timing = {
    runs: 3,
    seconds: options.quick ? 2 : 10,
    // Five new processes on a shared 2-core machine are still speeding up (JIT) for ~10 s.
    warmupSeconds: options.quick ? 4 : 10,
  };
  const direct = await measureDirectFloor('http-redis', timing);
  await clearIrisKeys(url);
  const split = await startIrisSplit({ RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: url });
  const broker = redisServerCpu(url);
  let system: Measurement;
  try {
    system = await measureHttp(
      {
        scenario: 'http-redis',
        variant: SPLIT_VARIANT,
        isFloor: false,
        url: split.url,
        path: '/predict',
        body: PREDICT_BODY,
        cost: () => split.cost(),
        costOf:
          'the five processes of the system, summed (front end, dt, lr, decoy, archiver); redis-server in extra.brokerCpuUsPerRequest; autocannon not counted',
        comparedWith: DIRECT_FLOOR,
        brokerCpuUs: () => broker.read(),
      },
      timing,
    );
  } finally {
    broker.close();
    await split.stop();
    await clearIrisKeys(url);
  }
  return [
    direct,
    {
      ...system,
      extra: {
        ...system.extra,
        rpsVsDirect: ratio(system.rps, direct.rps),
        cpuVsDirect: ratio(system.cpuUsPerRequest!, direct.cpuUsPerRequest!),
      },
    },
  ];
};
