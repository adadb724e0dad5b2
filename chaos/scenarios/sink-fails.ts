import { FaultySink } from '../lib/archive-sinks.js';
import { loadPhases } from '../lib/load-phases.js';
import { redisLoad } from '../lib/redis-load.js';
import { runSdkFault } from '../lib/sdk-run.js';
import type { Scenario } from '../lib/types.js';

/** The decoy's sink rejects every write for 10 s (4 s quick), then works again. */
export const sinkFails: Scenario = {
  name: 'sink-fails-10s',
  description:
    "Redis, in-process: the decoy's file sink rejects every batch (SINK_WRITE_FAILED, retryable) for 10 s (4 s quick); 40 req/s",
  needs: ['redis'],
  limitMs: 90_000,
  run: async (ctx) => {
    let sink: FaultySink | undefined;
    const faultMs = ctx.quick ? 4000 : 10_000;
    const result = await runSdkFault(ctx, {
      ...redisLoad(ctx),
      models: [{ name: 'm', version: '1' }],
      decoySinks: (file) => {
        sink = new FaultySink(file);
        return [sink];
      },
      ...loadPhases(ctx, [1000, 2000], [2000, 4000]),
      catchUpBoundMs: 20_000,
      fault: () => sink!.failFor(faultMs),
    });
    return { ...result, extra: { refusedBatches: sink?.refusedBatches ?? 0 } };
  },
};
