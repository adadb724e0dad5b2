import { Client } from '@elastic/elasticsearch';
import { ElasticsearchSink } from '@rendezvous-ml/archiver-elasticsearch';
import { downFor } from '../lib/down-for.js';
import { loadPhases } from '../lib/load-phases.js';
import { runSdkFault } from '../lib/sdk-run.js';
import { redisConnect } from '../lib/services.js';
import type { Scenario } from '../lib/types.js';

/** Elasticsearch (the decoy's second sink) is stopped, down 3 s, and restarted. */
export const elasticsearchRestart: Scenario = {
  name: 'elasticsearch-restart',
  description:
    'Redis + Elasticsearch, in-process: the decoy writes files and an ElasticsearchSink; the node is stopped, down 3 s, restarted; 20 req/s',
  needs: ['redis', 'elasticsearch'],
  limitMs: 300_000,
  run: async (ctx) => {
    const es = ctx.services.elasticsearch!;
    const index = `chaos-${ctx.tag}-decoy`.toLowerCase();
    const client = new Client({ node: es.url, requestTimeout: 5000 });
    ctx.defer(() => client.close());
    const readIds = async (): Promise<ReadonlySet<string>> => {
      await client.indices.refresh({ index, ignore_unavailable: true });
      const ids = new Set<string>();
      const res = await client.search<{ requestId?: string }>({
        index,
        size: 10_000,
        _source: ['requestId'],
        query: { match_all: {} },
        ignore_unavailable: true,
      });
      for (const hit of res.hits.hits) ids.add(hit._source?.requestId ?? hit._id ?? '');
      return ids;
    };
    return runSdkFault(ctx, {
      connect: redisConnect(ctx.services.redis!.url, ctx.tag),
      models: [{ name: 'm', version: '1' }],
      decoySinks: (file) => [file, new ElasticsearchSink({ node: es.url, index, refresh: false })],
      scoreArchiver: false,
      deadlineMs: 1000,
      rate: 20,
      ...loadPhases(ctx, [2000, 3000], [4000, 6000]),
      catchUpBoundMs: 60_000,
      extraArchives: [{ name: 'elasticsearch', readIds }],
      fault: () => downFor(es, 3000),
    });
  },
};
