import { SinkWriteError } from './errors.js';

/**
 * One record an {@link ArchiveSink} refused for good, by `ArchiveRecord.id`, with a
 * human-readable reason (it ends up in the dead-letter record).
 */
export interface RejectedRecord {
  readonly id: string;
  readonly reason: string;
}

/**
 * A sink's way to say "these records can never be written; the others can". It is a
 * non-retryable {@link SinkWriteError} (code `SINK_WRITE_FAILED`) with the list of refused
 * records. The {@link Archiver} dead-letters each listed record with its reason, acknowledges
 * it, and writes the rest of the batch again: a sink may have written them already (writes are
 * idempotent by id) or not at all.
 *
 * A sink that cannot say which record is at fault throws a plain non-retryable error instead;
 * the archiver then finds the records by splitting the batch.
 *
 * @example
 * ```ts
 * const bad = records.filter((r) => !encodable(r));
 * if (bad.length > 0)
 *   throw new RejectedRecordsError(`${bad.length} records cannot be encoded`,
 *     bad.map((r) => ({ id: r.id, reason: 'nested too deeply to encode' })));
 * ```
 */
export class RejectedRecordsError extends SinkWriteError {
  /** The records refused for good. */
  readonly rejected: readonly RejectedRecord[];

  constructor(
    message: string,
    rejected: readonly RejectedRecord[],
    options: { cause?: unknown } = {},
  ) {
    super(message, { retryable: false, ...options });
    this.rejected = rejected;
  }
}

/**
 * The per-record failures an error carries: `RejectedRecordsError.rejected`, or a `rejected`
 * array of the same shape on any non-retryable error (a sink built against another copy of the
 * core). Empty when the error names no record.
 *
 * @example
 * ```ts
 * rejectedRecordsOf(new RejectedRecordsError('x', [{ id: 'r1', reason: 'too deep' }])); // [{ id: 'r1', ... }]
 * rejectedRecordsOf(new Error('disk full')); // []
 * ```
 */
export function rejectedRecordsOf(error: unknown): readonly RejectedRecord[] {
  if (error instanceof RejectedRecordsError) return error.rejected;
  const list =
    typeof error === 'object' && error !== null
      ? (error as { rejected?: unknown }).rejected
      : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (r): r is RejectedRecord =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as RejectedRecord).id === 'string' &&
      typeof (r as RejectedRecord).reason === 'string',
  );
}
