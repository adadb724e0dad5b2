import {
  type ArchivedEvent,
  type ArchiveRecord,
  type ArchiveSink,
  type Clock,
  retryWithBackoff,
} from '@rendezvous-ml/core';
import type { RolloutEvent } from './rollout-event.js';

/**
 * The archive record of a rollout event: kind `event`, `requestId` the rollout's id, `id` the
 * rollout's id and the event's sequence number (a rewrite overwrites, never duplicates), and the
 * event as JSON with `source: 'rollout'`.
 *
 * @example
 * ```ts
 * const record = rolloutEventRecord(event, clock.now()); // { kind: 'event', id: 'dt@2-17…:0', ... }
 * ```
 */
export function rolloutEventRecord(event: RolloutEvent, archivedAt: number): ArchiveRecord {
  // Through JSON: optional fields left undefined are dropped, as they would be on the wire.
  const json = JSON.parse(JSON.stringify({ source: 'rollout', ...event })) as ArchivedEvent;
  return {
    kind: 'event',
    id: `${event.rollout}:${event.seq}`,
    requestId: event.rollout,
    archivedAt,
    event: json,
  };
}

/**
 * Writes a rollout's events to an {@link ArchiveSink} one at a time, in the order they were
 * emitted, each retried a few times. A write that still fails is counted, never thrown: an
 * archive that is down must not stop a rollback.
 *
 * @example
 * ```ts
 * const archive = new EventArchive(sink, clock);
 * archive.append(event);
 * await archive.flush();
 * console.log(archive.failures);
 * ```
 */
export class EventArchive {
  private tail: Promise<void> = Promise.resolve();
  private failed = 0;

  constructor(
    private readonly sink: ArchiveSink,
    private readonly clock: Clock,
  ) {}

  /** Events that could not be written. */
  get failures(): number {
    return this.failed;
  }

  /** Queues the event behind the ones before it. */
  append(event: RolloutEvent): void {
    this.tail = this.tail.then(() =>
      retryWithBackoff(() => this.sink.write([rolloutEventRecord(event, this.clock.now())]), {
        attempts: 3,
        initialDelayMs: 100,
        clock: this.clock,
        isRetryable: (e) => !(e instanceof RangeError || e instanceof TypeError),
      }).catch(() => {
        this.failed++;
      }),
    );
  }

  /** Resolves once every queued event was written or counted as failed. */
  flush(): Promise<void> {
    return this.tail;
  }
}
