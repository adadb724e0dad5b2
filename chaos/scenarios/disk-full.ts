import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runSdkFault } from '../lib/sdk-run.js';
import { redisConnect } from '../lib/services.js';
import { mountSmallDisk } from '../lib/small-disk.js';
import { sleep } from '../lib/steady-load.js';
import type { Scenario } from '../lib/types.js';

/** The decoy's archive disk fills up (ENOSPC), stays full, then is freed. */
export const diskFull: Scenario = {
  name: 'disk-full',
  description:
    "Redis, in-process: the decoy's archive is on a 2 MB tmpfs filled to 64 KB free; 2 KB random inputs at 40 req/s fill it; after 6 s (3 s quick) the filler is deleted",
  needs: ['redis'],
  limitMs: 90_000,
  run: async (ctx) => {
    let disk: Awaited<ReturnType<typeof mountSmallDisk>>;
    try {
      disk = await mountSmallDisk(2);
    } catch (error) {
      return {
        load: { sent: 0, answered: 0, failed: {}, hung: 0, settledLate: 0 },
        archives: [],
        notRun: `cannot mount a small disk: ${(error as Error).message}`,
      };
    }
    ctx.defer(() => disk.dispose());
    let fullAt: number | undefined;
    let filledAt = 0;
    const result = await runSdkFault(ctx, {
      archiveDir: join(disk.dir, 'archive'),
      connect: redisConnect(ctx.services.redis!.url, ctx.tag),
      models: [{ name: 'm', version: '1' }],
      scoreArchiver: false,
      // Random (incompressible) padding, so the gzip files grow as fast as the load.
      input: (i) => ({ i, pad: randomBytes(2048).toString('base64') }),
      deadlineMs: 1000,
      rate: 40,
      beforeMs: 500,
      afterMs: ctx.quick ? 3000 : 5000,
      catchUpBoundMs: 20_000,
      fault: async () => {
        await disk.fill(64 * 1024);
        filledAt = Date.now();
        const t0 = filledAt;
        while (Date.now() - t0 < (ctx.quick ? 3000 : 6000)) {
          if (fullAt === undefined && (await disk.free()) < 32 * 1024) fullAt = Date.now();
          await sleep(100);
        }
        await disk.unfill();
      },
    });
    return {
      ...result,
      extra: {
        disk: disk.kind,
        msFromFillToFull: fullAt === undefined ? 'never' : fullAt - filledAt,
      },
      ...(fullAt === undefined
        ? { failures: [...(result.failures ?? []), 'the disk never filled (fault not injected)'] }
        : {}),
    };
  },
};
