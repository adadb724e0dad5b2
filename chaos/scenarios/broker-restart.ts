import { downFor } from '../lib/down-for.js';
import { loadPhases } from '../lib/load-phases.js';
import { M2_AND_M1, redisLoad } from '../lib/redis-load.js';
import { runSdkFault } from '../lib/sdk-run.js';
import { kafkaConnect } from '../lib/services.js';
import type { Scenario } from '../lib/types.js';

/** redis-server (AOF, appendfsync always) is stopped for 2 s and started again. */
export const redisRestart: Scenario = {
  name: 'redis-restart',
  description:
    'Redis, in-process (front end, m@2 + m@1 workers, decoy, score archiver): redis-server stopped (SIGTERM) for 2 s, restarted with its AOF; 40 req/s',
  needs: ['redis'],
  limitMs: 120_000,
  run: (ctx) =>
    runSdkFault(ctx, {
      ...redisLoad(ctx),
      models: M2_AND_M1,
      ...loadPhases(ctx, [1500, 3000], [4000, 6000]),
      catchUpBoundMs: 30_000,
      fault: () => downFor(ctx.services.redis!, 2000),
    }),
};

/** The Kafka broker is stopped cleanly, left down for 2 s, and started again. */
export const kafkaRestart: Scenario = {
  name: 'kafka-restart',
  description:
    'Kafka, in-process (front end, m@2 + m@1 workers, decoy, score archiver): the broker stopped, down 2 s, restarted (same data); 20 req/s',
  needs: ['kafka'],
  limitMs: 240_000,
  run: (ctx) => {
    const kafka = ctx.services.kafka!;
    return runSdkFault(ctx, {
      connect: kafkaConnect(kafka.brokers, ctx.tag),
      models: M2_AND_M1,
      deadlineMs: 2000,
      rate: 20,
      ...loadPhases(ctx, [2000, 4000], [8000, 12_000]),
      catchUpBoundMs: 60_000,
      fault: () => downFor(kafka, 2000),
    });
  },
};
