import type { ArchiveRecord } from '@rendezvous-ml/core';
import type { ArchiveIndex } from './elasticsearch-sink-options.js';

/**
 * The default index of each record kind: requests (from the decoy) in `decoy-log`, scores in
 * `score-log`, the front ends' results in `result-log`, operational events (a rollout's transitions) in `event-log`. An {@link ElasticsearchSink} without
 * `index` routes by these.
 *
 * @example
 * ```ts
 * await es.search({ index: DEFAULT_ARCHIVE_INDICES.result, aggs: { wins: { terms: { field: 'chosen.model.name' } } } });
 * ```
 */
export const DEFAULT_ARCHIVE_INDICES: Readonly<Record<ArchiveRecord['kind'], string>> = {
  request: 'decoy-log',
  score: 'score-log',
  result: 'result-log',
  event: 'event-log',
};

/**
 * An {@link ArchiveIndex} that routes each record by its kind: {@link DEFAULT_ARCHIVE_INDICES},
 * with any index you override.
 *
 * @example
 * ```ts
 * const sink = new ElasticsearchSink({ node, index: archiveIndexByKind({ result: 'iris-result-log' }) });
 * ```
 */
export function archiveIndexByKind(
  indices: Partial<Readonly<Record<ArchiveRecord['kind'], string>>> = {},
): ArchiveIndex {
  const byKind = { ...DEFAULT_ARCHIVE_INDICES, ...indices };
  return (kind) => byKind[kind];
}
