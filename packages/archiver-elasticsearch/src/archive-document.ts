import type { ArchivedEvent, ArchiveRecord, Json } from '@rendezvous-ml/core';

/**
 * The document the sink indexes for one record, flattened for analysis. Times are epoch
 * milliseconds (mapped as `date`); `latencyMs` and `queueMs` are durations.
 *
 * - request: `input` (when the input is a JSON object; each numeric feature is a `double`),
 *   otherwise `inputValue` (stored, not indexed), `deadline`, `replyTo`, `meta`.
 * - score: `model.name`/`model.version`/`model.instance` (keywords), `ok`, `output` (stored,
 *   not indexed), `result` (the output as a keyword when it is a scalar), `resultNumber` (when
 *   it is a number), `error.code`/`error.message`, `receivedAt`/`startedAt`/`finishedAt`,
 *   `latencyMs` (finishedAt - startedAt), `queueMs` (startedAt - receivedAt).
 * - result (a front end's decision): `status` (`answered`/`failed`),
 *   `chosen.model.name`/`chosen.model.version`/`chosen.model.instance` (keywords),
 *   `chosen.latencyMs`, `chosen.result`/`chosen.resultNumber` (a scalar output),
 *   `decidedBy.policy`/`decidedBy.reason`/`decidedBy.trigger`, `candidateCount`, `lateCount`,
 *   `error.code`/`error.message`, `startedAt`/`decidedAt`, `latencyMs` (decidedAt - startedAt), and
 *   the input as for a request.
 * - event (an operational event, such as a rollout's transition): `event` (stored, not
 *   indexed), `timestamp` its time.
 *
 * @example
 * ```ts
 * const doc: ArchiveDocument = toArchiveDocument(record);
 * doc.timestamp; // request ts, score finishedAt, or result decidedAt
 * ```
 */
export interface ArchiveDocument {
  readonly kind: ArchiveRecord['kind'];
  readonly id: string;
  readonly requestId: string;
  /** The request's `ts`, the score's `finishedAt`, the result's `decidedAt`, or the event's `at` (epoch ms). */
  readonly timestamp: number;
  readonly archivedAt: number;
  readonly input?: { readonly [key: string]: Json };
  readonly inputValue?: Json;
  readonly deadline?: number;
  readonly replyTo?: string;
  readonly meta?: Readonly<Record<string, string>>;
  readonly model?: { readonly name: string; readonly version: string; readonly instance: string };
  readonly ok?: boolean;
  readonly output?: Json;
  readonly result?: string;
  readonly resultNumber?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly receivedAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly latencyMs?: number;
  readonly queueMs?: number;
  readonly status?: 'answered' | 'failed';
  readonly chosen?: {
    readonly model: { readonly name: string; readonly version: string; readonly instance: string };
    readonly latencyMs: number;
    readonly result?: string;
    readonly resultNumber?: number;
  };
  readonly decidedBy?: {
    readonly policy: string;
    readonly reason: string;
    readonly trigger: string;
  };
  readonly candidateCount?: number;
  readonly lateCount?: number;
  readonly decidedAt?: number;
  /** An operational event (kind `event`): stored, not indexed. */
  readonly event?: ArchivedEvent;
}

function isObject(value: Json): value is { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(output: Json): { result?: string; resultNumber?: number } {
  if (typeof output === 'number') return { result: String(output), resultNumber: output };
  if (typeof output === 'string' || typeof output === 'boolean') return { result: String(output) };
  return {};
}

function inputOf(input: Json): Pick<ArchiveDocument, 'input' | 'inputValue'> {
  return isObject(input) ? { input } : { inputValue: input };
}

/**
 * Flattens an archive record into the document the sink indexes.
 *
 * @example
 * ```ts
 * const doc = toArchiveDocument({ kind: 'score', id: 'r1:dt@1', requestId: 'r1', archivedAt: 5, score });
 * doc.latencyMs; // score.finishedAt - score.startedAt
 * ```
 */
export function toArchiveDocument(record: ArchiveRecord): ArchiveDocument {
  const base = {
    kind: record.kind,
    id: record.id,
    requestId: record.requestId,
    archivedAt: record.archivedAt,
  };
  if (record.kind === 'request') {
    const r = record.request;
    return {
      ...base,
      timestamp: r.ts,
      ...inputOf(r.input),
      deadline: r.deadline,
      replyTo: r.replyTo,
      meta: r.meta,
    };
  }
  if (record.kind === 'result') {
    const r = record.result;
    const chosen = r.chosen;
    return {
      ...base,
      timestamp: r.decidedAt,
      ...inputOf(r.input),
      status: r.status,
      ...(chosen
        ? {
            chosen: {
              model: {
                name: chosen.model.name,
                version: chosen.model.version,
                instance: chosen.model.instance,
              },
              latencyMs: chosen.latencyMs,
              ...scalar(chosen.output),
            },
          }
        : {}),
      decidedBy: {
        policy: r.decidedBy.policy,
        reason: r.decidedBy.reason,
        trigger: r.decidedBy.trigger,
      },
      candidateCount: r.candidates.length,
      lateCount: r.late.length,
      ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
      startedAt: r.startedAt,
      decidedAt: r.decidedAt,
      latencyMs: r.latencyMs,
    };
  }
  if (record.kind === 'event') return { ...base, timestamp: record.event.at, event: record.event };
  const s = record.score;
  return {
    ...base,
    timestamp: s.finishedAt,
    model: { name: s.model.name, version: s.model.version, instance: s.model.instance },
    ok: s.ok,
    ...(s.ok ? { output: s.output, ...scalar(s.output) } : { error: s.error }),
    receivedAt: s.receivedAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    latencyMs: s.finishedAt - s.startedAt,
    queueMs: s.startedAt - s.receivedAt,
  };
}
