import type { Json } from './wire/json.js';
import type { RequestEnvelope } from './wire/request.js';
import type { ResultEnvelope } from './wire/result-envelope.js';
import type { ScoreEnvelope } from './wire/score.js';

/**
 * An operational event in an archive (a rollout's transition): what emitted it (`source`),
 * its `type`, its clock time `at`, and any JSON figures.
 */
export interface ArchivedEvent {
  readonly source: string;
  readonly type: string;
  readonly at: number;
  readonly [key: string]: Json;
}

/**
 * One archived record: a request (from the decoy), a score (from a score archiver), a front
 * end's result (from a results archiver) or an operational event (a rollout's transitions). `id`
 * is derived from the request id (plus the model, for scores; the request id alone for requests
 * and results), so a sink that writes by id turns a redelivery into an overwrite, never a
 * duplicate. An event has no request: its `requestId` is the id of what emitted it (a rollout's
 * id) and its `id` that id plus the event's sequence number. Readers that only want requests,
 * scores or results select them by `kind`.
 *
 * @example
 * ```ts
 * const rec: ArchiveRecord = { kind: 'request', id: 'r1', requestId: 'r1', archivedAt: Date.now(), request };
 * const won = (r: ArchiveRecord) => (r.kind === 'result' ? r.result.chosen?.model.name : undefined);
 * ```
 */
export type ArchiveRecord =
  | {
      readonly kind: 'request';
      readonly id: string;
      readonly requestId: string;
      readonly archivedAt: number;
      readonly request: RequestEnvelope;
    }
  | {
      readonly kind: 'score';
      readonly id: string;
      readonly requestId: string;
      readonly archivedAt: number;
      readonly score: ScoreEnvelope;
    }
  | {
      readonly kind: 'result';
      readonly id: string;
      readonly requestId: string;
      readonly archivedAt: number;
      readonly result: ResultEnvelope;
    }
  | {
      readonly kind: 'event';
      readonly id: string;
      readonly requestId: string;
      readonly archivedAt: number;
      readonly event: ArchivedEvent;
    };

/**
 * Where an {@link Archiver} writes. `write` resolves only once the batch is durable; the archiver
 * acknowledges the batch's messages after that, and never before.
 *
 * How a sink fails tells the archiver what to do:
 * - a retryable error (`SinkWriteError` with `retryable: true`, or any error that is not a
 *   `RendezvousError`, a `RangeError` or a `TypeError`): the sink may be back later. The archiver
 *   retries (`writeRetry`), then hands the batch back to the transport for redelivery after a
 *   backoff; after `maxDeliveries` the messages go to the dead letter.
 * - a `RejectedRecordsError` (non-retryable, with `rejected: { id, reason }[]`): those records can
 *   never be written (a record that cannot be encoded). The archiver dead-letters each with its
 *   reason and writes the rest of the batch again (so write them or not, but idempotently).
 * - any other non-retryable error (a `RendezvousError` with `retryable: false`, a `RangeError` or
 *   `TypeError` such as `JSON.stringify`'s): the archiver splits the batch to find the records at
 *   fault and dead-letters them. When every record fails alone, it is the sink that fails, and the
 *   batch is handed back as for a retryable error.
 */
export interface ArchiveSink {
  /** Writes a batch durably. Must be idempotent by `record.id`, or at least safe to repeat. */
  write(records: readonly ArchiveRecord[]): Promise<void>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}
