import { FaultyTransport } from '../lib/faulty-transport.js';
import { loadPhases } from '../lib/load-phases.js';
import { redisLoad } from '../lib/redis-load.js';
import { runSdkFault } from '../lib/sdk-run.js';
import type { Scenario } from '../lib/types.js';

/** The reply path of the production model's worker fails for 3 s; the worker stays alive. */
export const replyFails: Scenario = {
  name: 'reply-fails-3s',
  description:
    'Redis, in-process: m@2 (preferred by latestVersion) and m@1; `reply()` of the m@2 worker rejects (CONNECTION_LOST) for 3 s while it heartbeats and consumes; 40 req/s',
  needs: ['redis'],
  limitMs: 90_000,
  run: async (ctx) => {
    let faulty: FaultyTransport | undefined;
    const result = await runSdkFault(ctx, {
      ...redisLoad(ctx),
      models: [
        {
          name: 'm',
          version: '2',
          wrap: (t) => {
            faulty = new FaultyTransport(t);
            return faulty;
          },
        },
        { name: 'm', version: '1' },
      ],
      ...loadPhases(ctx, [1500, 3000], [4000, 6000]),
      catchUpBoundMs: 15_000,
      fault: () => faulty!.failRepliesFor(3000),
      good: (o) => o.ok && o.model === 'm@2',
    });
    return { ...result, extra: { refusedReplies: faulty?.refusedReplies ?? 0 } };
  },
};
