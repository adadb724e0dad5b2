import { loadPhases } from '../lib/load-phases.js';
import { runSdkFault } from '../lib/sdk-run.js';
import { redisConnect } from '../lib/services.js';
import type { Scenario } from '../lib/types.js';

const DEPTH = 100_000;

/**
 * A request envelope whose input is `DEPTH` nested arrays: JSON.parse (iterative in V8) reads
 * it, but JSON.stringify (recursive) cannot write it again, so any sink that re-encodes the
 * record fails on it, every time.
 */
function poisonPayload(id: string): string {
  const now = Date.now();
  return `{"v":1,"id":"${id}","ts":${now},"deadline":${now + 1000},"replyTo":"nowhere","meta":{},"input":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
}

/** One poison record lands in the decoy's batch, amid steady load. */
export const poisonRecord: Scenario = {
  name: 'poison-record',
  description: `Redis, in-process: one raw request whose input is ${DEPTH.toLocaleString('en')} nested arrays (decodes, cannot be re-encoded) is published amid 40 req/s`,
  needs: ['redis'],
  limitMs: 90_000,
  run: async (ctx) => {
    const connect = redisConnect(ctx.services.redis!.url, ctx.tag);
    const publisher = connect();
    ctx.defer(() => publisher.close());
    return runSdkFault(ctx, {
      connect,
      models: [{ name: 'm', version: '1' }],
      deadlineMs: 1000,
      rate: 40,
      ...loadPhases(ctx, [1000, 2000], [3000, 5000]),
      catchUpBoundMs: 15_000,
      fault: async () => {
        await publisher.publish('requests', {
          key: 'poison',
          payload: poisonPayload(`poison-${ctx.tag}`),
        });
      },
    });
  },
};
