import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveCheck,
  awaitCatchUp,
  compareArchive,
  folderIds,
  readArchive,
} from './archive-check.js';
import { type Fault, type FaultTimes, faultEndOf, underLoad } from './fault-window.js';
import { type SdkSystem, type SdkSystemOptions, startSdkSystem } from './sdk-system.js';
import { type Outcome, SettlementTracker } from './settlement-tracker.js';
import type { ScenarioContext, ScenarioResult } from './types.js';

/** An extra archive (Elasticsearch) to wait for and check. */
export interface ExtraArchive {
  readonly name: string;
  readIds(): Promise<ReadonlySet<string>>;
}

/** Options of {@link runSdkFault}. */
export interface SdkFaultOptions extends Omit<SdkSystemOptions, 'archiveDir'> {
  readonly archiveDir?: string;
  readonly rate: number;
  readonly beforeMs: number;
  readonly afterMs: number;
  /** How long after the fault the archives may take to hold every answered request. */
  readonly catchUpBoundMs: number;
  /** Injects the fault; resolves when it is over (optionally with the moment it ended). */
  fault(system: SdkSystem): ReturnType<Fault>;
  /** What counts as a good answer for the recovery time. Default: any answer. */
  readonly good?: (o: Outcome) => boolean;
  readonly extraArchives?: readonly ExtraArchive[];
  /** More figures and failures, from the run. */
  readonly inspect?: (
    system: SdkSystem,
    tracker: SettlementTracker,
    times: FaultTimes,
  ) => Partial<ScenarioResult>;
}

/**
 * The shape of every in-process scenario: start the system on real brokers, put it under
 * steady load, inject the fault, measure the answers, wait (bounded) for the archives to catch
 * up, stop gracefully (bounded), and read the archives back.
 *
 * @example
 * ```ts
 * return runSdkFault(ctx, { connect, models, deadlineMs: 1000, rate: 50, beforeMs: 2000, afterMs: 4000,
 *   catchUpBoundMs: 15_000, fault: () => sink.failFor(10_000) });
 * ```
 */
export async function runSdkFault(
  ctx: ScenarioContext,
  options: SdkFaultOptions,
): Promise<ScenarioResult> {
  const archiveDir = options.archiveDir ?? (await mkdtemp(join(tmpdir(), 'chaos-sdk-')));
  if (!options.archiveDir) ctx.defer(() => rm(archiveDir, { recursive: true, force: true }));
  const system = await startSdkSystem({ ...options, archiveDir });
  let stopped: Promise<string[]> | undefined;
  const stop = () => (stopped ??= system.stop());
  ctx.defer(stop);
  const tracker = new SettlementTracker();
  const decoyDir = join(archiveDir, 'decoy');
  const scoresDir = join(archiveDir, 'scores');
  const readers = [folderIds(decoyDir)];
  if (options.scoreArchiver !== false) readers.push(folderIds(scoresDir));
  for (const e of options.extraArchives ?? []) readers.push(() => e.readIds());
  const everywhere = async (): Promise<ReadonlySet<string>> => {
    const sets = await Promise.all(readers.map((r) => r()));
    const [first, ...rest] = sets;
    return new Set([...(first ?? [])].filter((id) => rest.every((s) => s.has(id))));
  };
  let catchUp: Promise<number | null> = Promise.resolve(null);
  const times = await underLoad({
    tracker,
    rate: options.rate,
    deadlineMs: options.deadlineMs,
    call: (i) => system.call(i),
    beforeMs: options.beforeMs,
    afterMs: options.afterMs,
    fault: async () => {
      const end = faultEndOf((await options.fault(system)) ?? undefined);
      // The backlog of the fault: everything answered before it ended must become readable.
      catchUp = awaitCatchUp(
        everywhere,
        () => tracker.sentBefore(end),
        end,
        options.catchUpBoundMs,
      );
      return end;
    },
  });
  const catchUpMs = await catchUp;
  const expected = tracker.answeredIds();
  const late = await stop();
  const archives: ArchiveCheck[] = [
    compareArchive('decoy', await readArchive(decoyDir), expected, system.acknowledged.decoy),
  ];
  if (options.scoreArchiver !== false)
    archives.push(
      compareArchive('scores', await readArchive(scoresDir), expected, system.acknowledged.scores),
    );
  for (const e of options.extraArchives ?? []) {
    const ids = await e.readIds().catch(() => new Set<string>());
    archives.push(
      compareArchive(
        e.name,
        {
          records: [...ids].map((id) => ({ id, requestId: id }) as never),
          files: 0,
          unreadableFiles: [],
        },
        expected,
        system.acknowledged.decoy,
      ),
    );
  }
  const inspected = options.inspect?.(system, tracker, times) ?? {};
  return {
    load: tracker.summary(),
    archives,
    recoveryMs: tracker.recoveryMs(times.faultEnd, options.good),
    catchUpMs,
    ...inspected,
    failures: [...(inspected.failures ?? []), ...late.map((l) => `${l} within 15 s`)],
  };
}
