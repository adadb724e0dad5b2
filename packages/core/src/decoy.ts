import type { ArchiveSink } from './archive-sink.js';
import { Archiver, type ArchiverOptions, type ArchiverStats } from './archiver.js';
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
 * and archives every input as it really was. It never scores.
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
    this.archiver = new Archiver({
      ...options,
      source: 'requests',
      group: options.group ?? 'decoy',
    });
  }

  start(): Promise<void> {
    return this.archiver.start();
  }

  /** Writes and acknowledges what is pending now; resolves when it is done. */
  flush(): Promise<void> {
    return this.archiver.flush();
  }

  /** Flushes and acknowledges every input received, then leaves the group. */
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
