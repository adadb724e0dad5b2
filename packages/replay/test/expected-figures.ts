import { type ArchiveRecord, type Json, readJsonlArchive } from '@rendezvous-ml/core';

/**
 * The figures a replay through `candidate` must report, computed here straight from the archive
 * files (core's reader, not the replay package's), so the test checks the package against an
 * independent computation.
 */
export async function expectedFigures(
  dirs: { decoy: string; scores: string; results: string },
  candidate: (input: Json) => Json,
  production: string,
  ids?: ReadonlySet<string>,
) {
  const inputs = new Map<string, Json>();
  for (const r of await readJsonlArchive(dirs.decoy))
    if (r.kind === 'request' && (!ids || ids.has(r.requestId)))
      inputs.set(r.requestId, r.request.input);
  const agreement: Record<string, { agreed: number; compared: number }> = {};
  const confusion = new Map<string, number>();
  let productionCompared = 0;
  for (const r of (await readJsonlArchive(dirs.scores)) as ArchiveRecord[]) {
    if (r.kind !== 'score' || !inputs.has(r.requestId) || !r.score.ok) continue;
    const key = `${r.score.model.name}@${r.score.model.version}`;
    const mine = candidate(inputs.get(r.requestId) as Json);
    const a = agreement[key] ?? { agreed: 0, compared: 0 };
    agreement[key] = a;
    a.compared++;
    if (mine === r.score.output) a.agreed++;
    if (key === production) {
      productionCompared++;
      const cell = `${String(r.score.output)}→${String(mine)}`;
      confusion.set(cell, (confusion.get(cell) ?? 0) + 1);
    }
  }
  const chosen = { agreed: 0, compared: 0 };
  for (const r of await readJsonlArchive(dirs.results)) {
    if (r.kind !== 'result' || !inputs.has(r.requestId) || !r.result.chosen) continue;
    chosen.compared++;
    if (candidate(inputs.get(r.requestId) as Json) === r.result.chosen.output) chosen.agreed++;
  }
  return { inputs, agreement, chosen, confusion, productionCompared };
}
