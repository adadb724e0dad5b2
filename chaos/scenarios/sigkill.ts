import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  type ArchiveCheck,
  awaitCatchUp,
  compareArchive,
  folderIds,
  readArchive,
} from '../lib/archive-check.js';
import { underLoad } from '../lib/fault-window.js';
import { type IrisRole, startIrisDeployment } from '../lib/iris-deployment.js';
import { loadPhases } from '../lib/load-phases.js';
import { SettlementTracker } from '../lib/settlement-tracker.js';
import { sleep } from '../lib/steady-load.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';

type Broker = 'redis' | 'kafka';

/** Which archives a kill of each role must leave complete. */
const CHECKED: Readonly<Record<'dt' | 'decoy' | 'archiver', readonly ('decoy' | 'scores')[]>> = {
  dt: ['decoy', 'scores'],
  decoy: ['decoy'],
  archiver: ['scores'],
};

async function runKill(
  ctx: ScenarioContext,
  broker: Broker,
  role: 'dt' | 'decoy' | 'archiver',
): Promise<ScenarioResult> {
  const env: Record<string, string> =
    broker === 'redis'
      ? { RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: ctx.services.redis!.url }
      : { RENDEZVOUS_TRANSPORT: 'kafka', KAFKA_BROKERS: ctx.services.kafka!.brokers };
  if (broker === 'redis') {
    // The iris CLI's streams have a fixed prefix: start each deployment from an empty Redis.
    const admin = new Redis(ctx.services.redis!.url);
    await admin.flushall();
    admin.disconnect();
  }
  const deadlineMs = broker === 'redis' ? 1000 : 2000;
  const deployment = await startIrisDeployment(env, { deadlineMs });
  let stopped: Promise<string[]> | undefined;
  const stop = () => (stopped ??= deployment.stop());
  ctx.defer(stop);
  ctx.defer(() => rm(deployment.archiveDir, { recursive: true, force: true }));
  const tracker = new SettlementTracker();
  const dirs = CHECKED[role].map((s) => ({ name: s, dir: join(deployment.archiveDir, s) }));
  const everywhere = async (): Promise<ReadonlySet<string>> => {
    const sets = await Promise.all(dirs.map((d) => folderIds(d.dir)()));
    const [first, ...rest] = sets;
    return new Set([...(first ?? [])].filter((id) => rest.every((s) => s.has(id))));
  };
  let catchUp: Promise<number | null> = Promise.resolve(null);
  const times = await underLoad({
    tracker,
    rate: 20,
    deadlineMs,
    call: (i) => deployment.call(i),
    ...loadPhases(ctx, [2000, 4000], [4000, 8000]),
    fault: async () => {
      await deployment.kill(role as IrisRole);
      await sleep(2000);
      await deployment.start(role as IrisRole);
      const end = Date.now();
      // Redis claims a dead member's entries after claimIdleMs (30 s in iris), Kafka after a
      // rebalance: the backlog of the kill must be readable within 45 s.
      catchUp = awaitCatchUp(everywhere, () => tracker.sentBefore(end), end, 45_000);
      return end;
    },
  });
  const catchUpMs = await catchUp;
  const expected = tracker.answeredIds();
  const late = await stop();
  const archives: ArchiveCheck[] = [];
  for (const d of dirs) archives.push(compareArchive(d.name, await readArchive(d.dir), expected));
  const killedModel = role === 'dt';
  return {
    load: tracker.summary(),
    archives,
    recoveryMs: tracker.recoveryMs(
      times.faultEnd,
      killedModel ? (o) => o.ok && o.model === 'dt' : undefined,
    ),
    catchUpMs,
    failures: late,
  };
}

function killScenario(broker: Broker, role: 'dt' | 'decoy' | 'archiver'): Scenario {
  const what = {
    dt: 'the dt worker (production model)',
    decoy: 'the decoy',
    archiver: 'the score/results archiver',
  }[role];
  return {
    name: `sigkill-${role === 'dt' ? 'worker' : role}-${broker}`,
    description: `${broker === 'redis' ? 'Redis' : 'Kafka'}, multi-process iris (decoy, archiver, dt, lr, front end: one process each), HTTP /predict at 20 req/s; SIGKILL ${what} mid-stream, restart it 2 s later`,
    needs: [broker],
    limitMs: broker === 'redis' ? 180_000 : 240_000,
    run: (ctx) => runKill(ctx, broker, role),
  };
}

export const sigkillScenarios: readonly Scenario[] = (['redis', 'kafka'] as const).flatMap((b) =>
  (['dt', 'decoy', 'archiver'] as const).map((r) => killScenario(b, r)),
);
