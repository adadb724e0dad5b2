import type { BackoffOptions } from './adapter/backoff-delay.js';
import type { ArchiveSink } from './archive-sink.js';
import type { Clock } from './clock.js';
import { ConfigurationError, type RendezvousError } from './errors.js';
import type { RetryOptions } from './retry.js';
import { resolveStreams } from './stream-names.js';
import { REPLY_TAP, type StreamNames, type Transport } from './transport.js';

/**
 * What an {@link Archiver} reads: the requests stream, every score (the reply tap), or the
 * front ends' results.
 */
export type ArchiverSource = 'requests' | 'scores' | 'results';

/**
 * Options of {@link Archiver}.
 *
 * @example
 * ```ts
 * const opts: ArchiverOptions = { transport, source: 'scores', sinks: [fileSink], batchSize: 500, flushIntervalMs: 1000 };
 * ```
 */
export interface ArchiverOptions {
  readonly transport: Transport;
  /**
   * What to archive: `requests` reads the requests stream (as the decoy does), `scores` reads
   * every reply to every front end through {@link REPLY_TAP} (needs `capabilities.replyTap`),
   * `results` reads the results stream where front ends with `publishResults` publish their
   * decisions (one record per request, id = request id).
   */
  readonly source: ArchiverSource;
  /** Sinks written in order; a batch is acknowledged only when every sink has written it. */
  readonly sinks: readonly ArchiveSink[];
  /** Consumer group. Default `archiver:<source>`. */
  readonly group?: string;
  /** Member name within the group. Default: random. */
  readonly consumer?: string;
  /** Most records per batch. Default 500. */
  readonly batchSize?: number;
  /** Longest a record waits in a partial batch, in ms. Default 1000. */
  readonly flushIntervalMs?: number;
  /**
   * Retries of a sink write that failed in a way that may pass (a retryable error), before the
   * batch is handed back to the transport (`delivery.release`) for a later redelivery.
   */
  readonly writeRetry?: Omit<RetryOptions, 'clock'>;
  /**
   * After a batch is handed back, the archiver writes nothing for a while (the sink is probably
   * down) and asks the transport to redeliver no sooner than that: `initialDelayMs` after the
   * first failure, doubling per consecutive failed batch up to `maxDelayMs`. Default 500 ms,
   * 10 000 ms.
   */
  readonly redeliveryBackoff?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /**
   * Most deliveries of one message: when the write of its `maxDeliveries`-th delivery fails
   * (or the transport delivers it more often than that), it goes to the dead letter with the
   * last error (code `REDELIVERY_LIMIT`) and is acknowledged. This guards against a message
   * that keeps a process from ever archiving it (a crash loop); a poison record that a sink
   * refuses is isolated and dead-lettered at once, without waiting for the limit. Default 50:
   * with the default backoff (capped at 10 s) a sink may be down for about 8 minutes before
   * records start going to the dead letter, where they stay replayable. `Infinity` never gives up.
   */
  readonly maxDeliveries?: number;
  /**
   * Stream names, as every component takes them: `requests` (for `source: 'requests'`),
   * `results` (for `source: 'results'`) and `deadLetter` are used. Default `DEFAULT_STREAMS`.
   */
  readonly streams?: Partial<StreamNames>;
  /** @deprecated Use `streams: { requests }`. */
  readonly requestsStream?: string;
  /** @deprecated Use `streams: { results }`. */
  readonly resultsStream?: string;
  /** @deprecated Use `streams: { deadLetter }`. */
  readonly deadLetterStream?: string;
  readonly clock?: Clock;
}

/**
 * Counters of an archiver, for metrics.
 *
 * @example
 * ```ts
 * expect(archiver.stats().archived).toBe(1000);
 * ```
 */
export interface ArchiverStats {
  /** Records written by every sink and acknowledged. */
  readonly archived: number;
  readonly batches: number;
  /** Batches handed back to the transport after their write failed. */
  readonly failedBatches: number;
  /** Deliveries handed back (`delivery.release`) for a later redelivery. */
  readonly released: number;
  /**
   * Messages sent to the dead letter: invalid envelopes, records a sink refused for good, and
   * messages past `maxDeliveries`.
   */
  readonly deadLettered: number;
  /** Records waiting in the current batch or being written. */
  readonly pending: number;
}

/**
 * Something that happened in an archiver. `write-failed` carries `retryInMs` when the batch
 * was handed back for a redelivery that far away; `dead-lettered` names each message sent to
 * the dead letter and why.
 *
 * @example
 * ```ts
 * archiver.events$.subscribe((e) => e.type === 'write-failed' && log.error(e.error));
 * ```
 */
export type ArchiverEvent =
  | { readonly type: 'flushed'; readonly records: number }
  | {
      readonly type: 'write-failed';
      readonly records: number;
      readonly error: RendezvousError;
      readonly retryInMs?: number;
    }
  | { readonly type: 'dead-lettered'; readonly id: string; readonly error: RendezvousError };

/**
 * The streams an archiver of `options` reads and dead-letters to: its source's stream (the
 * reply tap for `scores`, which its transport must offer) and the dead-letter stream.
 *
 * @example
 * ```ts
 * archiverStreams({ ...options, source: 'requests', streams: { requests: 'rq' } }).source; // 'rq'
 * ```
 */
export function archiverStreams(options: ArchiverOptions): { source: string; deadLetter: string } {
  const streams = resolveStreams('archiver', options.streams, {
    requests: { option: 'requestsStream', value: options.requestsStream },
    results: { option: 'resultsStream', value: options.resultsStream },
    deadLetter: { option: 'deadLetterStream', value: options.deadLetterStream },
  });
  const source =
    options.source === 'requests'
      ? streams.requests
      : options.source === 'results'
        ? streams.results
        : REPLY_TAP;
  const { transport } = options;
  if (source === REPLY_TAP && !transport.capabilities.replyTap)
    throw new ConfigurationError(
      `transport ${transport.name} cannot read every reply (capabilities.replyTap is false)`,
    );
  return { source, deadLetter: streams.deadLetter };
}

/**
 * The batching and redelivery limits of an archiver of `options`, with their defaults, checked
 * (with its sinks: at least one).
 *
 * @example
 * ```ts
 * archiverLimits({ ...options, batchSize: 0 }); // throws ConfigurationError
 * ```
 */
export function archiverLimits(options: ArchiverOptions): {
  batchSize: number;
  flushIntervalMs: number;
  backoff: Required<BackoffOptions>;
  maxDeliveries: number;
} {
  if (options.sinks.length === 0)
    throw new ConfigurationError('an archiver needs at least one sink');
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ConfigurationError('batchSize must be a positive integer');
  const maxDeliveries = options.maxDeliveries ?? 50;
  if (!(maxDeliveries >= 1)) throw new ConfigurationError('maxDeliveries must be >= 1');
  const backoff = {
    initialMs: options.redeliveryBackoff?.initialDelayMs ?? 500,
    maxMs: options.redeliveryBackoff?.maxDelayMs ?? 10_000,
  };
  return { batchSize, flushIntervalMs: options.flushIntervalMs ?? 1000, backoff, maxDeliveries };
}
