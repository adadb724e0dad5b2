import { type ScriptService, startScriptService } from './script-service.js';

/** A single-node Elasticsearch process owned by a test file, which it can stop, kill and restart. */
export interface ElasticsearchNode extends ScriptService {
  /** HTTP URL, such as `http://127.0.0.1:39200`. */
  readonly url: string;
}

/**
 * Starts a real single-node Elasticsearch (9.5.3, from Maven Central jars) with
 * `scripts/elasticsearch/elasticsearch.sh` in a fresh temp folder: fetches the jars once
 * (cached), starts the node on a free loopback port, and resolves when the script's health
 * check (`_cluster/health?wait_for_status=yellow`) has succeeded. Indices, templates and
 * documents survive `restart()`.
 *
 * @example
 * ```ts
 * const gate = await requireService('elasticsearch', () => startElasticsearchNode());
 * describe.skipIf(!gate.ok)('elasticsearch sink', () => {  });
 * afterAll(() => (gate.ok ? gate.service.dispose() : undefined));
 * ```
 */
export async function startElasticsearchNode(): Promise<ElasticsearchNode> {
  const service = await startScriptService({
    script: 'scripts/elasticsearch/elasticsearch.sh',
    readyLine: /ELASTICSEARCH_URL=http:\/\/127\.0\.0\.1:(\d+)/,
    startTimeoutMs: 180_000,
  });
  return { ...service, url: `http://127.0.0.1:${service.port}` };
}
