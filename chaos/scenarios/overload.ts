import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareArchive, readArchive } from '../lib/archive-check.js';
import { startSdkSystem } from '../lib/sdk-system.js';
import { redisConnect } from '../lib/services.js';
import { SettlementTracker } from '../lib/settlement-tracker.js';
import { sleep, startLoad } from '../lib/steady-load.js';
import type { Scenario } from '../lib/types.js';

/** A worker that takes 20 ms a prediction, 4 at a time: about 200 req/s sustainable. */
const SUSTAINABLE = 200;

/** 10× the sustainable rate for 10 s (3 s quick), then half the sustainable rate. */
export const overload: Scenario = {
  name: 'overload-10x',
  description: `Redis, in-process: one worker (20 ms predictions, concurrency 4: ~${SUSTAINABLE} req/s), maxInFlight 200; ${SUSTAINABLE / 2} req/s, then ${SUSTAINABLE * 10} req/s for 10 s (3 s quick), then ${SUSTAINABLE / 2} req/s for 5 s`,
  needs: ['redis'],
  limitMs: 120_000,
  run: async (ctx) => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'chaos-overload-'));
    ctx.defer(() => rm(archiveDir, { recursive: true, force: true }));
    const deadlineMs = 1000;
    const system = await startSdkSystem({
      connect: redisConnect(ctx.services.redis!.url, ctx.tag),
      models: [
        { name: 'm', version: '1', concurrency: 4, predict: () => sleep(20).then(() => 'm@1') },
      ],
      deadlineMs,
      maxInFlight: 200,
      archiveDir,
      scoreArchiver: false,
    });
    let stopped: Promise<string[]> | undefined;
    const stop = () => (stopped ??= system.stop());
    ctx.defer(stop);
    const tracker = new SettlementTracker();
    const call = (i: number) => system.call(i);
    const phase = async (rate: number, ms: number, firstIndex: number) => {
      const load = startLoad({ rate, deadlineMs, tracker, call, firstIndex });
      await sleep(ms);
      await load.stop();
    };
    await phase(SUSTAINABLE / 2, 2000, 0);
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);
    const overStart = Date.now();
    await phase(SUSTAINABLE * 10, ctx.quick ? 3000 : 10_000, 1_000_000);
    const overEnd = Date.now();
    await phase(SUSTAINABLE / 2, 5000, 2_000_000);
    clearInterval(sampler);
    await tracker.drain();
    const over = tracker.summary(overStart, overEnd);
    // Requests accepted during the overload may hold the in-flight slots up to their deadline:
    // full recovery means every request sent from deadline + 1 s after the overload is answered.
    const settleFrom = overEnd + deadlineMs + 1000;
    const after = tracker.summary(settleFrom);
    const p99 = tracker.quantileMs('OVERLOADED', 0.99, overStart, overEnd);
    const late = await stop();
    const expected = tracker.answeredIds();
    const decoy = compareArchive(
      'decoy',
      await readArchive(join(archiveDir, 'decoy')),
      expected,
      system.acknowledged.decoy,
    );
    const mb = (b: number) => Math.round(b / 2 ** 20);
    const failures: string[] = late.map((l) => `${l} within 15 s`);
    if (p99 === null) failures.push('no OVERLOADED rejection at 10× the sustainable rate');
    else if (p99 > 50) failures.push(`p99 time to OVERLOADED ${p99.toFixed(1)} ms > 50 ms`);
    if (after.answered < after.sent)
      failures.push(
        `${after.sent - after.answered} of ${after.sent} requests sent 2 s or more after the overload not answered`,
      );
    if (peakHeap - baseline.heapUsed > 256 * 2 ** 20)
      failures.push(`heap grew ${mb(peakHeap - baseline.heapUsed)} MB (> 256 MB)`);
    return {
      load: tracker.summary(),
      archives: [decoy],
      recoveryMs: tracker.recoveryMs(overEnd),
      extra: {
        overloadSent: over.sent,
        overloadedRejections: over.failed.OVERLOADED ?? 0,
        p99ToOverloadedMs: p99 === null ? 'n/a' : Number(p99.toFixed(2)),
        baselineHeapMb: mb(baseline.heapUsed),
        peakHeapMb: mb(peakHeap),
        peakRssMb: mb(peakRss),
        afterSent: after.sent,
        afterAnswered: after.answered,
      },
      failures,
    };
  },
};
