// The archive sink conformance suite (idempotence by id, redelivery after a restart, close,
// a write failed by a fault) against ElasticsearchSink on a real Elasticsearch node.
import type { ArchiveRecord, Json } from '@rendezvous-ml/core';
import { sinkConformance } from '@rendezvous-ml/test-kit';
import { describe } from 'vitest';
import type { ArchiveDocument } from '../src/archive-document.js';
import { ElasticsearchSink } from '../src/elasticsearch-sink.js';
import { openElasticsearchSuite } from './support/elasticsearch-suite.js';

const { gate, node, es } = await openElasticsearchSuite();

/** One index for the whole suite: its tests use ids of their own. */
const index = `sink-conformance-${Date.now().toString(36)}`;

/** The request record a document of the suite's (request) records came from. */
function recordOf(doc: ArchiveDocument): ArchiveRecord {
  return {
    kind: 'request',
    id: doc.id,
    requestId: doc.requestId,
    archivedAt: doc.archivedAt,
    request: {
      v: 1,
      id: doc.requestId,
      ts: doc.timestamp,
      deadline: doc.deadline ?? 0,
      replyTo: doc.replyTo ?? '',
      input: (doc.input ?? doc.inputValue ?? null) as Json,
      meta: doc.meta ?? {},
    },
  };
}

/** Every document of the index, after a refresh, by a scroll (the suite wants all copies). */
async function readBack(): Promise<ArchiveRecord[]> {
  const client = es!;
  await client.indices.refresh({ index, ignore_unavailable: true });
  const records: ArchiveRecord[] = [];
  for await (const doc of client.helpers.scrollDocuments<ArchiveDocument>({
    index,
    size: 500,
    ignore_unavailable: true,
    query: { match_all: {} },
  }))
    records.push(recordOf(doc));
  return records;
}

/**
 * A full disk, as Elasticsearch reports it: the flood-stage block `read_only_allow_delete`,
 * which refuses writes with HTTP 429 (retryable) until it is lifted.
 */
async function setReadOnly(block: boolean): Promise<void> {
  await es!.indices.putSettings(
    { index, settings: { 'index.blocks.read_only_allow_delete': block ? true : null } },
    { ignore: [404] },
  );
}

describe.skipIf(!gate.ok)('ElasticsearchSink on a real Elasticsearch node', () => {
  sinkConformance('ElasticsearchSink', {
    create: () =>
      new ElasticsearchSink({
        node: node!.url,
        index,
        templates: { settings: { 'index.number_of_replicas': 0 } },
        // Few, short retries inside the sink, so a write under the fault rejects well within
        // the test's timeout; the suite then retries it after healing, as the Archiver would.
        retry: { attempts: 2, initialDelayMs: 20, maxDelayMs: 50 },
      }),
    readBack,
    fault: { inject: () => setReadOnly(true), heal: () => setReadOnly(false) },
  });
});
