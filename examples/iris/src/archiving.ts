import { join } from 'node:path';
import {
  Archiver,
  type ArchiverDrainOptions,
  type ArchiverDrainResult,
  type ArchiverStats,
  type ArchiveSink,
  Decoy,
  RollingGzipJsonlSink,
  type Transport,
} from '@rendezvous-ml/core';
import type { Logger } from 'pino';
import type { IrisConfig } from './config.js';

/**
 * The archived streams: every input (from the decoy), every score, and every front-end result
 * (the decision: chosen model, candidates, late scores).
 */
export type ArchiveStream = 'decoy' | 'scores' | 'results';

/** Files roll at this many records or this age, whichever comes first (as in the reference). */
export const ROLL_AT_RECORDS = 1000;
export const ROLL_AT_AGE_MS = 5000;

/** A partial batch waits at most this long before it is written and acknowledged. */
const FLUSH_INTERVAL_MS = 250;

/**
 * The sinks of one archived stream: gzip JSONL under `ARCHIVE_DIR/<stream>/`, plus any extra
 * sink (Elasticsearch when `ELASTICSEARCH_URL` is set).
 */
export function archiveSinks(
  config: Pick<IrisConfig, 'archiveDir'>,
  stream: ArchiveStream,
  extra: readonly ArchiveSink[] = [],
): ArchiveSink[] {
  return [
    new RollingGzipJsonlSink({
      directory: join(config.archiveDir, stream),
      maxRecords: ROLL_AT_RECORDS,
      maxAgeMs: ROLL_AT_AGE_MS,
    }),
    ...extra,
  ];
}

/** What a role that archives exposes: its counters, its events, its drain and a graceful stop. */
export interface ArchivingRole {
  readonly name: ArchiveStream;
  readonly events$: Archiver['events$'];
  stats(): ArchiverStats;
  drain(options?: ArchiverDrainOptions): Promise<ArchiverDrainResult>;
  stop(): Promise<void>;
}

function logFailures(events$: Archiver['events$'], log: Logger): void {
  events$.subscribe((e) => {
    if (e.type === 'write-failed')
      log.error({ err: e.error, records: e.records }, 'archive write failed');
  });
}

/**
 * Starts the decoy: it reads the requests stream in its own group, exactly as the models do,
 * and archives every input to `ARCHIVE_DIR/decoy/`.
 */
export async function startIrisDecoy(
  transport: Transport,
  sinks: readonly ArchiveSink[],
  logger: Logger,
): Promise<ArchivingRole> {
  const decoy = new Decoy({ transport, sinks, flushIntervalMs: FLUSH_INTERVAL_MS });
  logFailures(decoy.events$, logger);
  await decoy.start();
  logger.info('decoy started');
  return {
    name: 'decoy',
    events$: decoy.events$,
    stats: () => decoy.stats(),
    drain: (options) => decoy.drain(options),
    stop: () => decoy.stop(),
  };
}

/**
 * Starts the score archiver: it reads every reply to every front end (late ones included)
 * and archives them to `ARCHIVE_DIR/scores/`.
 */
export function startIrisScoreArchiver(
  transport: Transport,
  sinks: readonly ArchiveSink[],
  logger: Logger,
): Promise<ArchivingRole> {
  return startArchiverRole('scores', transport, sinks, logger);
}

/**
 * Starts the results archiver: it reads the results stream, where the front end publishes one
 * record per decided request (late scores included), and archives them to `ARCHIVE_DIR/results/`.
 * It is what makes "which model won" an archive query.
 */
export function startIrisResultArchiver(
  transport: Transport,
  sinks: readonly ArchiveSink[],
  logger: Logger,
): Promise<ArchivingRole> {
  return startArchiverRole('results', transport, sinks, logger);
}

async function startArchiverRole(
  source: 'scores' | 'results',
  transport: Transport,
  sinks: readonly ArchiveSink[],
  logger: Logger,
): Promise<ArchivingRole> {
  const archiver = new Archiver({ transport, source, sinks, flushIntervalMs: FLUSH_INTERVAL_MS });
  logFailures(archiver.events$, logger);
  await archiver.start();
  logger.info(`${source === 'scores' ? 'score' : 'results'} archiver started`);
  return {
    name: source,
    events$: archiver.events$,
    stats: () => archiver.stats(),
    drain: (options) => archiver.drain(options),
    stop: () => archiver.stop(),
  };
}

/**
 * Waits until an archiving role has caught up with its stream (the transport reports its
 * group's lag at 0: everything published is archived or dead-lettered), then stops it. Bounded
 * by `maxMs`. Call it once the producers (front ends, workers) are down. On a transport that
 * cannot report lag, it falls back to waiting until the role's counters have not moved for
 * `quietMs` (several flush intervals).
 */
export async function drainAndStop(
  role: ArchivingRole,
  logger: Logger,
  { quietMs = 6 * FLUSH_INTERVAL_MS, maxMs = 15_000 } = {},
): Promise<void> {
  const drained = await role.drain({ caughtUp: true, timeoutMs: maxMs });
  if (drained.outcome === 'settled') await untilQuiet(role, quietMs, maxMs);
  if (drained.outcome === 'timed-out')
    logger.warn({ lag: drained.lag }, `${role.name} archive did not catch up within ${maxMs} ms`);
  await role.stop();
  logger.info({ ...role.stats() }, `${role.name} archive flushed`);
}

/** The fallback: waits until the counters of `role` have not moved for `quietMs`, at most `maxMs`. */
async function untilQuiet(role: ArchivingRole, quietMs: number, maxMs: number): Promise<void> {
  const seen = (): number => {
    const s = role.stats();
    return s.archived + s.pending + s.deadLettered;
  };
  const start = Date.now();
  let last = seen();
  let stableSince = start;
  while (Date.now() - stableSince < quietMs && Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    const now = seen();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
}
