import type { Transport } from '@rendezvous-ml/core';
import type { Logger } from 'pino';
import {
  type ArchiveStream,
  type ArchivingRole,
  archiveSinks,
  startIrisDecoy,
  startIrisResultArchiver,
  startIrisScoreArchiver,
} from './archiving.js';
import type { IrisConfig } from './config.js';
import { elasticsearchSinks } from './elasticsearch.js';

/**
 * The connections of the archiving roles to start: the decoy's, and the archiver's (the score
 * and results archivers share one, as in the multi-process `archiver`). A role left out is not
 * started.
 */
export interface ArchivingConnections {
  readonly decoy?: Transport;
  readonly archiver?: Transport;
}

/** How the archiving roles start and log. */
export interface ArchivingStartOptions {
  /** How each role starts: at once by default; `iris decoy`/`iris archiver` retry with backoff. */
  readonly start?: (what: string, run: () => Promise<ArchivingRole>) => Promise<ArchivingRole>;
  /** Each role logs through a child logger naming it (`component: 'decoy'`...). Default false. */
  readonly childLoggers?: boolean;
}

/**
 * Starts the archiving roles of the iris service on their connections, in order: the decoy,
 * then the score and results archivers. Each stream is archived as gzip JSONL, and to
 * Elasticsearch too when `ELASTICSEARCH_URL` is set.
 *
 * @example
 * ```ts
 * const roles = await startIrisArchiving(config, { decoy, archiver }, logger);
 * ```
 */
export async function startIrisArchiving(
  config: IrisConfig,
  connections: ArchivingConnections,
  logger: Logger,
  options: ArchivingStartOptions = {},
): Promise<ArchivingRole[]> {
  const start = options.start ?? ((_what, run) => run());
  const loggerOf = (component: 'decoy' | 'archiver') =>
    options.childLoggers ? logger.child({ component }) : logger;
  const es = config.elasticsearchUrl
    ? await elasticsearchSinks(config.elasticsearchUrl, logger)
    : undefined;
  const sinks = (stream: ArchiveStream) => archiveSinks(config, stream, es ? [es[stream]] : []);
  const roles: ArchivingRole[] = [];
  const { decoy, archiver } = connections;
  if (decoy)
    roles.push(
      await start('decoy', () => startIrisDecoy(decoy, sinks('decoy'), loggerOf('decoy'))),
    );
  if (archiver) {
    roles.push(
      await start('score archiver', () =>
        startIrisScoreArchiver(archiver, sinks('scores'), loggerOf('archiver')),
      ),
    );
    roles.push(
      await start('results archiver', () =>
        startIrisResultArchiver(archiver, sinks('results'), loggerOf('archiver')),
      ),
    );
  }
  return roles;
}
