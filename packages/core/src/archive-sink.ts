import type { RequestEnvelope, ResultEnvelope, ScoreEnvelope } from './envelopes.js';

/**
 * One archived record: a request (from the decoy), a score (from a score archiver) or a front
 * end's result (from a results archiver). `id` is derived from the request id (plus the model,
 * for scores; the request id alone for requests and results), so a sink that writes by id turns
 * a redelivery into an overwrite, never a duplicate.
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
    };

/**
 * Where an {@link Archiver} writes. `write` resolves only once the batch is durable; the archiver
 * acknowledges the batch's messages after that, and never before. A rejection leaves the batch
 * unacknowledged (it is retried, then redelivered).
 *
 * @example
 * ```ts
 * const consoleSink: ArchiveSink = {
 *   async write(records) { for (const r of records) console.log(JSON.stringify(r)); },
 *   async close() {},
 * };
 * ```
 */
export interface ArchiveSink {
  /** Writes a batch durably. Must be idempotent by `record.id`, or at least safe to repeat. */
  write(records: readonly ArchiveRecord[]): Promise<void>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}
