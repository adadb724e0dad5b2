import type { ArchiveSink } from '@rendezvous-ml/core';
import type { Logger } from 'pino';

/**
 * The Elasticsearch indices of the archived streams: `decoy-log` and `score-log` as in the
 * reference, plus `result-log` for the front end's decisions (win rate per model).
 */
export const ES_INDICES = {
  decoy: 'decoy-log',
  scores: 'score-log',
  results: 'result-log',
} as const;

/**
 * The Elasticsearch sinks of the decoy, the score archiver and the results archiver, used in
 * addition to the files when `ELASTICSEARCH_URL` is set. Documents are indexed by id (request
 * id, plus the model for scores), so a redelivered batch overwrites rather than duplicates. The package (and
 * `@elastic/elasticsearch`) is imported only when Elasticsearch is configured.
 *
 * @example
 * ```ts
 * const es = await elasticsearchSinks('http://127.0.0.1:9200', logger);
 * new Decoy({ transport, sinks: [fileSink, es.decoy] });
 * ```
 */
export async function elasticsearchSinks(
  url: string,
  logger: Logger,
): Promise<Record<keyof typeof ES_INDICES, ArchiveSink>> {
  const { ElasticsearchSink } = await import('@rendezvous-ml/archiver-elasticsearch');
  const parsed = new URL(url);
  logger.info(
    { elasticsearch: `${parsed.protocol}//${parsed.host}`, indices: ES_INDICES },
    'archiving to Elasticsearch too',
  );
  return {
    decoy: new ElasticsearchSink({ node: url, index: ES_INDICES.decoy }),
    scores: new ElasticsearchSink({ node: url, index: ES_INDICES.scores }),
    results: new ElasticsearchSink({ node: url, index: ES_INDICES.results }),
  };
}
