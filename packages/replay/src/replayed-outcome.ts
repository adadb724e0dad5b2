import { type ArchiveRecord, modelKey, type RendezvousResult } from '@rendezvous-ml/core';
import { WIRE_VERSION } from '@rendezvous-ml/core/wire';
import type { ReplayedAnswer, ReplayedOutcome } from './diff-report.js';

/**
 * Reads the new versions' answers out of a replayed request's result: a candidate's score, or,
 * for a candidate still pending at the decision, its late score; `missing` when neither came.
 *
 * @example
 * ```ts
 * rendezvous.results$.subscribe((r) => outcomes.push(outcomeFromResult(originalIdOf(r), r)));
 * ```
 */
export function outcomeFromResult(originalId: string, result: RendezvousResult): ReplayedOutcome {
  const answers = new Map<string, ReplayedAnswer>();
  for (const c of [...result.candidates, ...result.late]) {
    const key = modelKey(c.model);
    const known = answers.get(key);
    if (known && known.status !== 'missing') continue;
    if (c.status === 'ok')
      answers.set(key, { status: 'ok', output: c.output, latencyMs: c.latencyMs });
    else if (c.status === 'error')
      answers.set(key, { status: 'error', error: c.error, latencyMs: c.latencyMs });
    else answers.set(key, { status: 'missing' });
  }
  return {
    originalId,
    answers,
    input: result.input,
    ...(result.status === 'failed' && result.error ? { error: result.error } : {}),
  };
}

/**
 * The record a replay keeps of one replayed request in its own archive: a `result` record whose
 * id is the **original** request id (so a resumed run skips it, and a record written twice reads
 * back once), holding the replayed request's result.
 *
 * @example
 * ```ts
 * await sink.write([replayRecord('fe-1-a', result, Date.now())]);
 * ```
 */
export function replayRecord(
  originalId: string,
  result: RendezvousResult,
  archivedAt: number,
): ArchiveRecord {
  return {
    kind: 'result',
    id: originalId,
    requestId: originalId,
    archivedAt,
    result: { v: WIRE_VERSION, ...result },
  };
}

/**
 * The record of a replayed request that never got a result (refused before it was published:
 * overload, a lost reply channel), so it is accounted for as failed rather than lost.
 *
 * @example
 * ```ts
 * replayFailureRecord('fe-1-a', input, { code: 'OVERLOADED', message: '…' }, Date.now());
 * ```
 */
export function replayFailureRecord(
  originalId: string,
  input: RendezvousResult['input'],
  error: { readonly code: string; readonly message: string },
  at: number,
): ArchiveRecord {
  const result: RendezvousResult = {
    requestId: originalId,
    input,
    status: 'failed',
    candidates: [],
    late: [],
    decidedBy: { policy: 'replay', reason: error.message, trigger: 'publish-failed' },
    startedAt: at,
    decidedAt: at,
    latencyMs: 0,
    error,
  };
  return replayRecord(originalId, result, at);
}
