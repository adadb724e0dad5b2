import { Client } from '@elastic/elasticsearch';
import {
  type ElasticsearchNode,
  requireService,
  type ServiceGate,
  startElasticsearchNode,
} from '@rendezvous-ml/test-kit';
import { afterAll } from 'vitest';

/** The Elasticsearch node of one test file and a client on it, both closed after the file. */
export interface ElasticsearchSuite {
  /** Whether the node started (skip the suite with `describe.skipIf(!gate.ok)` otherwise). */
  readonly gate: ServiceGate<ElasticsearchNode>;
  readonly node: ElasticsearchNode | undefined;
  readonly es: Client | undefined;
}

/**
 * Starts a real Elasticsearch node for the calling test file (locally skipped with the reason
 * when it cannot start, a failure under CI: see `requireService`), with a client on it, and
 * registers the `afterAll` that closes both. Call at the top level of the file.
 */
export async function openElasticsearchSuite(): Promise<ElasticsearchSuite> {
  const gate = await requireService('elasticsearch', () => startElasticsearchNode());
  const node = gate.ok ? gate.service : undefined;
  const es = node ? new Client({ node: node.url }) : undefined;
  afterAll(async () => {
    await es?.close();
    await node?.dispose();
  });
  return { gate, node, es };
}
