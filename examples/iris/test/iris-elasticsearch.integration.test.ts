import { Client } from '@elastic/elasticsearch';
import {
  type ElasticsearchNode,
  type RedisServer,
  requireService,
  type ServiceGate,
  startElasticsearchNode,
  startRedisServer,
} from '@rendezvous-ml/test-kit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ES_INDICES } from '../src/elasticsearch.js';
import type { IrisInput } from '../src/iris-input.js';
import { DEFAULT_MODELS_DIR } from '../src/iris-models.js';
import { ensureModels } from '../src/train.js';
import { predict, runConcurrently } from './support/http.js';
import {
  type MultiProcessDeployment,
  startMultiProcessDeployment,
} from './support/multi-process-deployment.js';

const REQUESTS = 300;
const CONCURRENCY = 20;

// Both services, or neither: if the second cannot start, the first is not left running.
const elastic = await requireService('elasticsearch', () => startElasticsearchNode());
let redis: ServiceGate<RedisServer>;
try {
  redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));
} catch (error) {
  if (elastic.ok) await elastic.service.dispose();
  throw error;
}
if (!redis.ok && elastic.ok) await elastic.service.dispose();
if (redis.ok && !elastic.ok) await redis.service.dispose();

/** What the front end answered for one request: the model that was chosen and its result. */
interface Answered {
  readonly input: IrisInput;
  readonly model: string;
  readonly version: string;
  readonly result: number;
}

/** The fields of an archive document this test reads. */
interface ArchivedDoc {
  readonly kind: string;
  readonly id: string;
  readonly requestId: string;
  readonly input?: Record<string, number>;
  readonly model?: { readonly name: string; readonly version: string };
  readonly ok?: boolean;
  readonly resultNumber?: number;
  readonly status?: string;
  readonly chosen?: {
    readonly model: { readonly name: string; readonly version: string };
    readonly resultNumber?: number;
  };
}

describe.skipIf(!(redis.ok && elastic.ok))(
  'iris multi-process over Redis, archiving to Elasticsearch',
  () => {
    const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);
    const node = elastic.ok ? elastic.service : (undefined as unknown as ElasticsearchNode);
    let es: Client;
    let deployment: MultiProcessDeployment;
    /** messageId → what was answered, for every 200. */
    const answered = new Map<string, Answered>();

    beforeAll(async () => {
      es = new Client({ node: node.url });
      // Train once here, so the worker processes do not race to do it.
      await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
      // As `iris up` would run it: the whole deployment gets the variable; the decoy and the
      // archiver (scores and results) are the roles that use it.
      deployment = await startMultiProcessDeployment({
        RENDEZVOUS_TRANSPORT: 'redis',
        REDIS_URL: server.url,
        ELASTICSEARCH_URL: node.url,
      });
    }, 120_000);

    afterAll(async () => {
      await deployment?.dispose();
      await es?.close();
      await server?.dispose();
      await node?.dispose();
    });

    const logs = (): string => deployment?.diagnostics?.() ?? '';

    it(`answers ${REQUESTS} requests at concurrency ${CONCURRENCY} through HTTP`, async () => {
      const inputs: IrisInput[] = Array.from({ length: REQUESTS }, (_, i) => ({
        sepalLength: 4 + (i % 40) / 10,
        sepalWidth: 2 + Math.floor(i / 40) / 10,
        petalLength: 1 + (i % 7) / 2,
        petalWidth: 0.1 + (i % 5) / 2,
      }));
      const answers = await runConcurrently(REQUESTS, CONCURRENCY, (i) =>
        predict(deployment.url, inputs[i]),
      );
      for (const [i, answer] of answers.entries()) {
        expect(answer.status, `${JSON.stringify(answer.body)}\n${logs()}`).toBe(200);
        expect(answer.body.modelInput).toEqual(inputs[i]);
        const { modelName, modelVersion, result } = answer.body.modelResult;
        answered.set(answer.body.messageId, {
          input: inputs[i]!,
          model: modelName,
          version: String(modelVersion),
          result,
        });
      }
      expect(answered.size).toBe(REQUESTS);
    }, 60_000);

    it('stops every process gracefully: front end, workers, then the decoy and the archiver (scores and results)', async () => {
      const stop = async (...names: string[]): Promise<void> => {
        const codes = await Promise.all(
          names.map((n) => deployment.processes.get(n)!.stop('SIGTERM')),
        );
        expect(codes, `exit codes of ${names.join(', ')}\n${logs()}`).toEqual(names.map(() => 0));
      };
      await stop('frontend');
      await stop('dt', 'lr');
      // They drain what is still in Redis, write it to the files and to Elasticsearch, then exit.
      await stop('decoy', 'archiver');
    }, 60_000);

    /** Every document of `index` about the answered requests, with their `_id`. */
    const documents = async (index: string): Promise<{ _id: string; doc: ArchivedDoc }[]> => {
      const response = await es.search<ArchivedDoc>({
        index,
        // A missing index reads as no documents, so the assertions below say what is missing.
        ignore_unavailable: true,
        size: 10_000,
        track_total_hits: true,
        query: { terms: { requestId: [...answered.keys()] } },
      });
      const hits = response.hits.hits;
      const total = response.hits.total;
      expect(typeof total === 'number' ? total : total?.value).toBe(hits.length);
      return hits.map((h) => ({ _id: h._id!, doc: h._source! }));
    };

    /** Values of `field` held by more than one document of `index`: a duplicate if any. */
    const duplicates = async (index: string, field: string): Promise<unknown[]> => {
      const response = await es.search({
        index,
        ignore_unavailable: true,
        size: 0,
        aggs: { dup: { terms: { field, min_doc_count: 2, size: 10 } } },
      });
      const dup = response.aggregations?.dup as { buckets: unknown[] } | undefined;
      return dup?.buckets ?? [];
    };

    it('has every answered request in decoy-log, once, under its request id', async () => {
      expect(answered.size).toBe(REQUESTS);
      await es.indices.refresh({
        index: [ES_INDICES.decoy, ES_INDICES.scores, ES_INDICES.results],
        ignore_unavailable: true,
      });
      const docs = await documents(ES_INDICES.decoy);
      const byRequest = new Map<string, ArchivedDoc[]>();
      for (const { _id, doc } of docs) {
        expect(_id).toBe(doc.requestId);
        expect(doc.kind).toBe('request');
        byRequest.set(doc.requestId, [...(byRequest.get(doc.requestId) ?? []), doc]);
      }
      const missing = [...answered.keys()].filter((id) => !byRequest.has(id));
      expect(
        missing.slice(0, 5),
        `${missing.length} of ${answered.size} requests missing from ${ES_INDICES.decoy} (${docs.length} found)\n${logs()}`,
      ).toEqual([]);
      for (const [id, found] of byRequest) {
        expect(found, id).toHaveLength(1);
        expect(found[0]!.input).toEqual(answered.get(id)!.input);
      }
      expect(await duplicates(ES_INDICES.decoy, 'requestId')).toEqual([]);
    });

    it("has every answered request's chosen score in score-log, once, under requestId:model@version", async () => {
      const docs = await documents(ES_INDICES.scores);
      const byId = new Map<string, ArchivedDoc[]>();
      for (const { _id, doc } of docs) {
        expect(_id).toBe(doc.id);
        expect(doc.kind).toBe('score');
        expect(doc.id).toBe(`${doc.requestId}:${doc.model?.name}@${doc.model?.version}`);
        byId.set(_id, [...(byId.get(_id) ?? []), doc]);
      }
      const chosenId = (id: string, a: Answered): string => `${id}:${a.model}@${a.version}`;
      const missing = [...answered].filter(([id, a]) => !byId.has(chosenId(id, a)));
      expect(
        missing.slice(0, 5).map(([id, a]) => chosenId(id, a)),
        `${missing.length} of ${answered.size} chosen scores missing from ${ES_INDICES.scores} (${docs.length} found)\n${logs()}`,
      ).toEqual([]);
      for (const [id, a] of answered) {
        const found = byId.get(chosenId(id, a))!;
        expect(found, chosenId(id, a)).toHaveLength(1);
        expect(found[0]).toMatchObject({ requestId: id, ok: true, resultNumber: a.result });
      }
      for (const [id, found] of byId) expect(found, id).toHaveLength(1);
      expect(await duplicates(ES_INDICES.scores, 'id')).toEqual([]);
    });

    it('has every answered request in result-log, once, with the model the HTTP answer named; win rate is one terms aggregation', async () => {
      const docs = await documents(ES_INDICES.results);
      const byRequest = new Map<string, ArchivedDoc[]>();
      for (const { _id, doc } of docs) {
        expect(_id).toBe(doc.requestId);
        expect(doc.kind).toBe('result');
        byRequest.set(doc.requestId, [...(byRequest.get(doc.requestId) ?? []), doc]);
      }
      const wrong = [...answered]
        .map(([id, a]) => {
          const found = byRequest.get(id) ?? [];
          const model = found[0]?.chosen?.model;
          return {
            id,
            count: found.length,
            expected: `${a.model}@${a.version}`,
            archived: model && `${model.name}@${model.version}`,
          };
        })
        .filter((x) => x.count !== 1 || x.archived !== x.expected);
      expect(
        wrong.slice(0, 5),
        `${wrong.length} of ${answered.size} results missing or wrong in ${ES_INDICES.results} (${docs.length} found)\n${logs()}`,
      ).toEqual([]);
      for (const [id, a] of answered)
        expect(byRequest.get(id)![0], id).toMatchObject({
          status: 'answered',
          chosen: { resultNumber: a.result },
        });
      expect(await duplicates(ES_INDICES.results, 'requestId')).toEqual([]);

      // Win rate per model: one terms aggregation on the chosen model.
      const response = await es.search({
        index: ES_INDICES.results,
        size: 0,
        query: { terms: { requestId: [...answered.keys()] } },
        aggs: { wins: { terms: { field: 'chosen.model.name' } } },
      });
      const wins = response.aggregations?.wins as
        | { buckets: { key: string; doc_count: number }[] }
        | undefined;
      const buckets = wins?.buckets ?? [];
      const expected: Record<string, number> = {};
      for (const a of answered.values()) expected[a.model] = (expected[a.model] ?? 0) + 1;
      expect(Object.fromEntries(buckets.map((b) => [b.key, b.doc_count]))).toEqual(expected);
    });
  },
);
