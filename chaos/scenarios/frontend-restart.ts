import { loadPhases } from '../lib/load-phases.js';
import { M2_AND_M1, redisLoad } from '../lib/redis-load.js';
import { runSdkFault } from '../lib/sdk-run.js';
import type { Scenario } from '../lib/types.js';

const FIRST = 20;

/** The front end restarts while m@1 and m@2 serve; latestVersion must answer with m@2 at once. */
export const frontendRestart: Scenario = {
  name: 'frontend-restart',
  description: `Redis, in-process: latestVersion with m@2 and m@1 live; the front end is closed and a new instance started (0.5 s gap) under 40 req/s; the first ${FIRST} answers after the restart must come from m@2`,
  needs: ['redis'],
  limitMs: 90_000,
  run: async (ctx) => {
    let restartedAt = 0;
    return runSdkFault(ctx, {
      ...redisLoad(ctx),
      models: M2_AND_M1,
      ...loadPhases(ctx, [1000, 2000], [2000, 4000]),
      catchUpBoundMs: 15_000,
      fault: async (system) => {
        ({ restartedAt } = await system.restartFrontend(500));
        return restartedAt;
      },
      good: (o) => o.ok && o.model === 'm@2',
      inspect: (_system, tracker) => {
        const first = tracker.firstOutcomes(restartedAt, FIRST);
        const wrong = first.filter((o) => o !== 'hung' && o.ok && o.model !== 'm@2').length;
        const after = tracker.summary(restartedAt);
        const wrongAll = tracker
          .firstOutcomes(restartedAt, after.sent)
          .filter((o) => o !== 'hung' && o.ok && o.model !== 'm@2').length;
        return {
          extra: { [`wrongModelInFirst${FIRST}`]: wrong, wrongModelAfterRestart: wrongAll },
          failures:
            wrongAll > 0 ? [`${wrongAll} answers by m@1 after the restart (m@2 was live)`] : [],
        };
      },
    });
  },
};
