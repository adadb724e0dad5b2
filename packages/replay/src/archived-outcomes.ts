import {
  type ArchiveRecord,
  type Json,
  modelKey,
  readJsonlArchive,
  type ScoreError,
} from '@rendezvous-ml/core';

/**
 * One model's archived answer to one request.
 */
export type ArchivedAnswer =
  | { readonly ok: true; readonly output: Json }
  | { readonly ok: false; readonly error: ScoreError };

/**
 * What production did with one request: every archived model's answer (by `name@version`) and,
 * from the results archive, the answer that was actually given.
 */
export interface ArchivedOutcome {
  readonly answers: Map<string, ArchivedAnswer>;
  /** The answer given to the caller; absent when no result was archived or the request failed. */
  chosen?: { readonly model: string; readonly output: Json };
  /** Whether the results archive holds a record of this request. */
  hasResult: boolean;
}

/**
 * Where production archived its answers: the score archiver's folder (records of kind `score`)
 * and the results archiver's folder (kind `result`). Either may be omitted.
 */
export interface ArchivedOutcomeSources {
  readonly scores?: string;
  readonly results?: string;
}

function outcomeOf(map: Map<string, ArchivedOutcome>, requestId: string): ArchivedOutcome {
  let o = map.get(requestId);
  if (!o) {
    o = { answers: new Map(), hasResult: false };
    map.set(requestId, o);
  }
  return o;
}

/**
 * Folds archived records into one {@link ArchivedOutcome} per request id. A score archived by
 * the score archiver wins; a result's candidates and late scores fill in the models it lacks
 * (so a results archive alone is enough to compare against every model that answered in time).
 *
 * @example
 * ```ts
 * const outcomes = collectArchivedOutcomes([...scoreRecords, ...resultRecords]);
 * outcomes.get('fe-1-a')?.answers.get('dt@1');
 * ```
 */
export function collectArchivedOutcomes(
  records: Iterable<ArchiveRecord>,
): Map<string, ArchivedOutcome> {
  const map = new Map<string, ArchivedOutcome>();
  const fromResults: ArchiveRecord[] = [];
  for (const r of records) {
    if (r.kind === 'score') {
      const s = r.score;
      const answer: ArchivedAnswer = s.ok
        ? { ok: true, output: s.output }
        : { ok: false, error: s.error };
      outcomeOf(map, s.requestId).answers.set(modelKey(s.model), answer);
    } else if (r.kind === 'result') fromResults.push(r);
  }
  for (const r of fromResults) {
    if (r.kind !== 'result') continue;
    const result = r.result;
    const o = outcomeOf(map, result.requestId);
    o.hasResult = true;
    if (result.chosen)
      o.chosen = { model: modelKey(result.chosen.model), output: result.chosen.output };
    for (const c of [...result.candidates, ...result.late]) {
      const key = modelKey(c.model);
      if (o.answers.has(key) || c.status === 'pending') continue;
      o.answers.set(
        key,
        c.status === 'ok' ? { ok: true, output: c.output } : { ok: false, error: c.error },
      );
    }
  }
  return map;
}

/**
 * Reads the score and results archives into one {@link ArchivedOutcome} per request id.
 *
 * @example
 * ```ts
 * const archived = await loadArchivedOutcomes({ scores: 'data/archive/scores', results: 'data/archive/results' });
 * ```
 */
export async function loadArchivedOutcomes(
  sources: ArchivedOutcomeSources,
): Promise<Map<string, ArchivedOutcome>> {
  const scores = sources.scores ? await readJsonlArchive(sources.scores) : [];
  const results = sources.results ? await readJsonlArchive(sources.results) : [];
  return collectArchivedOutcomes([...scores, ...results]);
}
