import type { ArchiveRecord, ArchiveSink } from './archive-sink.js';
import type { Clock } from './clock.js';
import { RendezvousError, SinkWriteError, toRendezvousError } from './errors.js';
import { rejectedRecordsOf } from './rejected-records-error.js';
import { type RetryOptions, retryWithBackoff } from './retry.js';

/**
 * Whether a sink failure may pass: a `RendezvousError` says so itself; a `RangeError` or
 * `TypeError` (what `JSON.stringify` throws for a record nested too deeply, a cycle or a BigInt)
 * is about the data and fails again; anything else (an I/O error) may pass.
 *
 * @example
 * ```ts
 * isRetryableSinkError(new RangeError('Maximum call stack size exceeded')); // false
 * isRetryableSinkError(Object.assign(new Error('EIO'), { code: 'EIO' })); // true
 * ```
 */
export function isRetryableSinkError(error: unknown): boolean {
  if (error instanceof RendezvousError) return error.retryable;
  return !(error instanceof RangeError || error instanceof TypeError);
}

/**
 * What {@link writeIsolatingPoison} did with a batch: the items `written`, the `poisoned` ones
 * (refused for good, each with its reason), and, when the sink failed in a way that may pass
 * (or refused every record without naming one), the `failure` and the items left `unwritten`.
 *
 * @example
 * ```ts
 * const { written, poisoned, unwritten, failure } = await writeIsolatingPoison(sink, items, { clock });
 * ```
 */
export interface IsolatedWrite<T> {
  readonly written: T[];
  readonly poisoned: { readonly item: T; readonly error: RendezvousError }[];
  readonly unwritten: T[];
  readonly failure: RendezvousError | undefined;
}

/**
 * Writes `items` to `sink` (retrying failures that may pass, per `retry`) and, when the sink
 * refuses the batch for good, finds the records at fault: those the sink names
 * (`RejectedRecordsError.rejected`), or, when it names none, by splitting the batch in halves
 * until each failing record is alone. Everything else is written.
 *
 * A sink that refuses every record alone without naming any is not facing poison records but a
 * failure of its own (a wrong credential, a closed file): the batch is reported as a `failure`
 * to hand back, not as poisoned records, so the redelivery limit decides, not one bad write.
 *
 * @example
 * ```ts
 * const out = await writeIsolatingPoison(sink, batch, { attempts: 3, clock });
 * for (const p of out.poisoned) await deadLetter(p.item, p.error);
 * ```
 */
export async function writeIsolatingPoison<T extends { readonly record: ArchiveRecord }>(
  sink: ArchiveSink,
  items: readonly T[],
  retry: Omit<RetryOptions, 'clock'> & { readonly clock: Clock },
): Promise<IsolatedWrite<T>> {
  const out: IsolatedWrite<T> & { failure: RendezvousError | undefined } = {
    written: [],
    poisoned: [],
    unwritten: [],
    failure: undefined,
  };
  let named = false;
  let lastError: RendezvousError | undefined;

  const attempt = async (part: readonly T[]): Promise<unknown> => {
    try {
      await retryWithBackoff(() => sink.write(part.map((p) => p.record)), {
        isRetryable: isRetryableSinkError,
        ...retry,
      });
      return undefined;
    } catch (error) {
      return error ?? new Error('sink write failed');
    }
  };

  const isolate = async (part: readonly T[]): Promise<void> => {
    if (out.failure) {
      out.unwritten.push(...part);
      return;
    }
    const error = await attempt(part);
    if (error === undefined) {
      out.written.push(...part);
      return;
    }
    const failure = toRendezvousError(error, 'SINK_WRITE_FAILED', isRetryableSinkError(error));
    if (isRetryableSinkError(error)) {
      out.failure = failure;
      out.unwritten.push(...part);
      return;
    }
    lastError = failure;
    const rejected = new Map(rejectedRecordsOf(error).map((r) => [r.id, r.reason]));
    const bad = part.filter((p) => rejected.has(p.record.id));
    if (bad.length > 0) {
      named = true;
      for (const item of bad) {
        const reason = rejected.get(item.record.id) ?? failure.message;
        const e = new SinkWriteError(`the sink refused record ${item.record.id}: ${reason}`, {
          retryable: false,
          cause: error,
        });
        out.poisoned.push({ item, error: e });
      }
      const rest = part.filter((p) => !rejected.has(p.record.id));
      if (rest.length > 0) await isolate(rest);
      return;
    }
    if (part.length === 1) {
      const e = new SinkWriteError(
        `the sink refused record ${part[0]!.record.id}: ${failure.message}`,
        { retryable: false, cause: error },
      );
      out.poisoned.push({ item: part[0]!, error: e });
      return;
    }
    const half = Math.ceil(part.length / 2);
    await isolate(part.slice(0, half));
    await isolate(part.slice(half));
  };

  await isolate(items);
  if (!named && out.written.length === 0 && out.poisoned.length === items.length && lastError) {
    // Every record refused alone, none named: the sink itself is failing.
    return { written: [], poisoned: [], unwritten: [...items], failure: lastError };
  }
  return out;
}
