import type { ArchiveSink } from './archive-sink.js';
import {
  Archiver,
  type ArchiverOptions,
  type ArchiverStats,
  archiverKind,
  type NamedArchiverOptions,
} from './archiver.js';
import type { ArchiverDrainOptions, ArchiverDrainResult } from './archiver-drain.js';
import type { Transport } from './transport.js';

/**
 * Options of {@link Decoy}.
 *
 * @example
 * ```ts
 * const opts: DecoyOptions = { transport, sinks: [new RollingGzipJsonlSink({ directory: 'data/archive/decoy' })] };
 * ```
 */
export interface DecoyOptions
  extends Omit<ArchiverOptions, 'source' | 'group' | 'sinks' | 'transport' | 'resultsStream'> {
  readonly transport: Transport;
  readonly sinks: readonly ArchiveSink[];
  /** Consumer group. Default `decoy`. */
  readonly group?: string;
}

/**
 * The decoy model: it reads the requests stream in its own group, exactly as the models do,
 * and archives every input as it really was. It never scores. It is an {@link Archiver} of
 * `source: 'requests'`: a sink outage hands inputs back for redelivery, a poison input goes to
 * the dead letter, and nothing is held for ever.
 *
 * @example
 * ```ts
 * const decoy = new Decoy({ transport, sinks: [new RollingGzipJsonlSink({ directory: 'data/archive/decoy' })] });
 * await decoy.start();
 * await decoy.stop(); // flushes every input it received
 * ```
 */
export class Decoy {
  private readonly archiver: Archiver;

  constructor(options: DecoyOptions) {
    const named: NamedArchiverOptions = {
      ...options,
      source: 'requests',
      group: options.group ?? 'decoy',
      [archiverKind]: 'Decoy',
    };
    this.archiver = new Archiver(named);
  }

  /**
   * Joins the `decoy` group. Resolves without joining when `stop()` was called meanwhile; a
   * failed start can be retried; a stopped decoy cannot start again (`NotStartedError`: create
   * a new one). See {@link Archiver.start}.
   */
  start(): Promise<void> {
    return this.archiver.start();
  }

  /** Writes and acknowledges what is pending now; resolves when it is done. */
  flush(): Promise<void> {
    return this.archiver.flush();
  }

  /**
   * Resolves when every input received so far is archived, handed back or dead-lettered; with
   * `caughtUp`, once the decoy's group has caught up with the requests stream. See
   * {@link Archiver.drain}.
   */
  drain(options?: ArchiverDrainOptions): Promise<ArchiverDrainResult> {
    return this.archiver.drain(options);
  }

  /**
   * Flushes and acknowledges every input received, waits for dead-letter writes, then leaves
   * the group and closes the sinks. Wins over a `start()` in progress.
   */
  stop(): Promise<void> {
    return this.archiver.stop();
  }

  stats(): ArchiverStats {
    return this.archiver.stats();
  }

  get events$(): Archiver['events$'] {
    return this.archiver.events$;
  }
}
