import { createServer, type Server } from 'node:http';
import { inspect } from 'node:util';
import {
  type ArchiveRecord,
  Archiver,
  type DeadLetterRecord,
  SinkWriteError,
} from '@rendezvous-ml/core';
import { encodeEnvelope } from '@rendezvous-ml/core/wire';
import { AckSpyTransport, freePort } from '@rendezvous-ml/test-kit';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import {
  archiveIndexByKind,
  ElasticsearchSink,
  type ElasticsearchSinkOptions,
} from '../src/index.js';
import { irisRequest, irisResult, irisScore } from './iris-envelopes.js';
import { deeplyNestedPayload } from './poison-envelopes.js';
import { openElasticsearchSuite } from './support/elasticsearch-suite.js';

const { gate, node, es } = await openElasticsearchSuite();

let seq = 0;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${++seq}`;

/** Polls `check` (async) until it is true; never a fixed sleep. */
async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function count(index: string, query?: Record<string, unknown>): Promise<number> {
  await es!.indices.refresh({ index });
  const r = await es!.count({ index, ...(query ? { query } : {}) });
  return r.count;
}

/** The aggregation `name` of a search response. */
function agg<T>(response: { aggregations?: Record<string, unknown> }, name: string): T {
  const value = response.aggregations?.[name];
  if (value === undefined) throw new Error(`no aggregation ${name} in the response`);
  return value as T;
}

/** Buckets of `field` holding more than one document: a duplicate if non-empty. */
async function duplicates(index: string, field: string): Promise<unknown[]> {
  const r = await es!.search({
    index,
    size: 0,
    aggs: { dup: { terms: { field, min_doc_count: 2, size: 10 } } },
  });
  return agg<{ buckets: unknown[] }>(r, 'dup').buckets;
}

const requestRecord = (id: string, i: number, sepalLength?: number | string): ArchiveRecord => ({
  kind: 'request',
  id,
  requestId: id,
  archivedAt: Date.now(),
  request: irisRequest(id, i, sepalLength),
});

const scoreRecord = (id: string, i: number): ArchiveRecord => {
  const score = irisScore(id, i, { name: 'dt', version: '1' }, i % 3, 2);
  return { kind: 'score', id: `${id}:dt@1`, requestId: id, archivedAt: Date.now(), score };
};

const sinkOptions = (
  extra: Partial<ElasticsearchSinkOptions> & Pick<ElasticsearchSinkOptions, 'index'>,
): ElasticsearchSinkOptions => ({
  node: node!.url,
  templates: { settings: { 'index.number_of_replicas': 0 } },
  ...extra,
});

describe.skipIf(!gate.ok)('ElasticsearchSink on a real Elasticsearch node', () => {
  const decoyLog = unique('decoy-log');
  const scoreLog = unique('score-log');

  it('indexes 10,000 records through the Archiver in several batches, each searchable exactly once', async () => {
    const transport = new MemoryTransport();
    const decoySink = new ElasticsearchSink(sinkOptions({ index: decoyLog, maxBatchDocs: 200 }));
    const scoreSink = new ElasticsearchSink(
      sinkOptions({ index: scoreLog, maxBatchBytes: 64 * 1024 }),
    );
    const decoy = new Archiver({
      transport,
      source: 'requests',
      group: 'decoy',
      sinks: [decoySink],
      batchSize: 500,
      flushIntervalMs: 50,
    });
    const scores = new Archiver({
      transport,
      source: 'scores',
      sinks: [scoreSink],
      batchSize: 500,
      flushIntervalMs: 50,
    });
    await decoy.start();
    await scores.start();
    const requests = 5000;
    const scored = 2500;
    for (let i = 0; i < requests; i++) {
      const id = `r${i}`;
      await transport.publish('requests', { key: id, payload: encodeEnvelope(irisRequest(id, i)) });
      if (i < scored) {
        // dt@1 is production; lr@0 the canary, which disagrees on every 10th request and is slower.
        const dt = irisScore(id, i, { name: 'dt', version: '1' }, i % 3, 1 + (i % 4));
        const lr = irisScore(
          id,
          i,
          { name: 'lr', version: '0' },
          i % 10 === 0 ? (i + 1) % 3 : i % 3,
          10 + (i % 11),
        );
        await transport.reply('memory-reply-fe-1', { key: id, payload: encodeEnvelope(dt) });
        await transport.reply('memory-reply-fe-1', { key: id, payload: encodeEnvelope(lr) });
      }
    }
    await until(
      () => decoy.stats().archived === requests && scores.stats().archived === 2 * scored,
      'every record archived and acknowledged',
      60_000,
    );
    await decoy.stop();
    await scores.stop();
    await transport.close();

    expect(decoy.stats().batches).toBeGreaterThanOrEqual(10);
    expect(decoySink.stats()).toMatchObject({
      indexed: requests,
      deadLettered: 0,
      failedWrites: 0,
    });
    expect(decoySink.stats().bulkRequests).toBeGreaterThanOrEqual(requests / 200);
    expect(scoreSink.stats().bulkRequests).toBeGreaterThan(scores.stats().batches); // split by bytes

    expect(await count(decoyLog)).toBe(requests);
    expect(await count(scoreLog)).toBe(2 * scored);
    const allIds = Array.from({ length: requests }, (_, i) => `r${i}`);
    expect(await count(decoyLog, { ids: { values: allIds } })).toBe(requests);
    expect(await count(decoyLog, { terms: { requestId: allIds } })).toBe(requests);
    expect(await duplicates(decoyLog, 'requestId')).toEqual([]);
    expect(await duplicates(scoreLog, 'id')).toEqual([]);

    // The template's mappings: dates, keywords, doubles.
    const mapping = await es!.indices.getMapping({ index: decoyLog });
    const props = mapping[decoyLog]!.mappings.properties!;
    expect(props.timestamp).toMatchObject({ type: 'date' });
    expect(
      (props.input as { properties: Record<string, unknown> }).properties.sepalLength,
    ).toMatchObject({ type: 'double' });
    const scoreProps = (await es!.indices.getMapping({ index: scoreLog }))[scoreLog]!.mappings
      .properties!;
    expect(
      (scoreProps.model as { properties: Record<string, unknown> }).properties.name,
    ).toMatchObject({ type: 'keyword' });
    expect(scoreProps.latencyMs).toMatchObject({ type: 'double' });
  }, 90_000);

  it('answers the docs page queries: answers per model, latency percentiles, canary agreement, fastest answer', async () => {
    // Answers per model (score-log holds scores only; a win needs the front end's decision).
    const perModel = await es!.search({
      index: scoreLog,
      size: 0,
      aggs: {
        models: {
          terms: { field: 'model.name' },
          aggs: {
            versions: { terms: { field: 'model.version' } },
            ok: { filter: { term: { ok: true } } },
          },
        },
      },
    });
    const modelBuckets = agg<{ buckets: { key: string; doc_count: number }[] }>(
      perModel,
      'models',
    ).buckets;
    expect(modelBuckets.map((b) => [b.key, b.doc_count]).sort()).toEqual([
      ['dt', 2500],
      ['lr', 2500],
    ]);

    // Latency percentiles per model.
    const latency = await es!.search({
      index: scoreLog,
      size: 0,
      aggs: {
        models: {
          terms: { field: 'model.name' },
          aggs: { latency: { percentiles: { field: 'latencyMs', percents: [50, 95, 99] } } },
        },
      },
    });
    type Pct = { key: string; latency: { values: Record<string, number> } };
    const pct = Object.fromEntries(
      agg<{ buckets: Pct[] }>(latency, 'models').buckets.map((b) => [b.key, b.latency.values]),
    );
    expect(pct.dt?.['50.0']).toBeGreaterThanOrEqual(1);
    expect(pct.dt?.['99.0']).toBeLessThanOrEqual(4);
    expect(pct.lr?.['50.0']).toBeGreaterThanOrEqual(10);

    // Canary agreement: composite buckets (requestId, result) over both models; a bucket with
    // two documents is a request where both models gave the same answer.
    let after: Record<string, string | number> | undefined;
    let agreed = 0;
    const requests = new Set<string>();
    do {
      const page = await es!.search({
        index: scoreLog,
        size: 0,
        query: { terms: { 'model.name': ['dt', 'lr'] } },
        aggs: {
          pairs: {
            composite: {
              size: 1000,
              sources: [
                { requestId: { terms: { field: 'requestId' } } },
                { result: { terms: { field: 'result' } } },
              ],
              ...(after ? { after } : {}),
            },
          },
        },
      });
      const pairs = agg<{
        buckets: { key: { requestId: string }; doc_count: number }[];
        after_key?: Record<string, string | number>;
      }>(page, 'pairs');
      for (const b of pairs.buckets) {
        requests.add(b.key.requestId);
        if (b.doc_count === 2) agreed++;
      }
      after = pairs.buckets.length > 0 ? pairs.after_key : undefined;
    } while (after);
    expect(requests.size).toBe(2500);
    expect(agreed / requests.size).toBeCloseTo(0.9, 5);

    // Win rate under the `first` policy: the fastest successful score of each request.
    const wins = new Map<string, number>();
    let next: Record<string, string | number> | undefined;
    do {
      const page = await es!.search({
        index: scoreLog,
        size: 0,
        // top_hits per bucket is costly: the first 300 requests are enough to show the query.
        query: {
          bool: {
            filter: [
              { term: { ok: true } },
              { terms: { requestId: Array.from({ length: 300 }, (_, i) => `r${i}`) } },
            ],
          },
        },
        aggs: {
          requests: {
            composite: {
              size: 1000,
              sources: [{ requestId: { terms: { field: 'requestId' } } }],
              ...(next ? { after: next } : {}),
            },
            aggs: {
              fastest: {
                top_hits: { size: 1, sort: [{ finishedAt: 'asc' }], _source: ['model.name'] },
              },
            },
          },
        },
      });
      const requestBuckets = agg<{
        buckets: { fastest: { hits: { hits: { _source: { model: { name: string } } }[] } } }[];
        after_key?: Record<string, string | number>;
      }>(page, 'requests');
      for (const b of requestBuckets.buckets) {
        const winner = b.fastest.hits.hits[0]?._source.model.name ?? 'none';
        wins.set(winner, (wins.get(winner) ?? 0) + 1);
      }
      next = requestBuckets.buckets.length > 0 ? requestBuckets.after_key : undefined;
    } while (next);
    expect(Object.fromEntries(wins)).toEqual({ dt: 300 });
  }, 30_000);

  it('indexes front-end results by kind into result-log, and win rate per model is one terms aggregation', async () => {
    const resultLog = unique('result-log');
    const dt = { name: 'dt', version: '1' };
    const lr = { name: 'lr', version: '0' };
    // 7 won by dt@1 (one with lr late), 2 by lr@0 (dt silent), 1 deadline exceeded.
    const results = [
      ...Array.from({ length: 7 }, (_, i) =>
        irisResult(`w${i}`, i, dt, i % 3, 3, { other: lr, late: i === 0 ? [lr] : [] }),
      ),
      ...Array.from({ length: 2 }, (_, i) =>
        irisResult(`w${7 + i}`, 7 + i, lr, 1, 12, { other: dt }),
      ),
    ];
    const { chosen: _, ...unanswered } = irisResult('w9', 9, dt, 0, 1000);
    const records: ArchiveRecord[] = [
      ...results,
      {
        ...unanswered,
        status: 'failed' as const,
        decidedBy: {
          policy: 'latestVersion',
          reason: 'no live model',
          trigger: 'deadline' as const,
        },
        error: { code: 'DEADLINE_EXCEEDED', message: 'deadline exceeded: no live model' },
      },
    ].map((result) => ({
      kind: 'result' as const,
      id: result.requestId,
      requestId: result.requestId,
      archivedAt: Date.now(),
      result,
    }));
    const sink = new ElasticsearchSink(
      sinkOptions({
        index: archiveIndexByKind({ result: resultLog }),
        refresh: true,
      }),
    );
    await sink.write(records);
    await sink.write(records.slice(0, 3)); // a redelivery overwrites
    await sink.close();
    expect(await count(resultLog)).toBe(10);
    expect(await duplicates(resultLog, 'requestId')).toEqual([]);

    // The docs page query: win rate per model.
    const response = await es!.search({
      index: resultLog,
      size: 0,
      track_total_hits: true,
      aggs: {
        wins: {
          terms: { field: 'chosen.model.name' },
          aggs: { versions: { terms: { field: 'chosen.model.version' } } },
        },
        failed: { filter: { term: { status: 'failed' } } },
      },
    });
    const total = response.hits.total;
    expect(typeof total === 'number' ? total : total?.value).toBe(10);
    type WinBucket = { key: string; doc_count: number; versions: { buckets: { key: string }[] } };
    const wins = agg<{ buckets: WinBucket[] }>(response, 'wins').buckets;
    expect(wins.map((b) => [b.key, b.doc_count, b.versions.buckets.map((v) => v.key)])).toEqual([
      ['dt', 7, ['1']],
      ['lr', 2, ['0']],
    ]);
    expect(agg<{ doc_count: number }>(response, 'failed').doc_count).toBe(1);

    // The other result fields are searchable: late scores, decision trigger, error code.
    expect(await count(resultLog, { range: { lateCount: { gte: 1 } } })).toBe(1);
    expect(await count(resultLog, { term: { 'decidedBy.trigger': 'deadline' } })).toBe(1);
    expect(await count(resultLog, { term: { 'error.code': 'DEADLINE_EXCEEDED' } })).toBe(1);
    const props = (await es!.indices.getMapping({ index: resultLog }))[resultLog]!.mappings
      .properties!;
    expect(props.decidedAt).toMatchObject({ type: 'date' });
    expect(
      (props.chosen as { properties: { latencyMs: unknown } }).properties.latencyMs,
    ).toMatchObject({ type: 'double' });
  });

  it('keeps every acknowledged record when the node crashes mid-stream, and has each once after recovery', async () => {
    const index = unique('decoy-crash');
    const inner = new MemoryTransport();
    const transport = new AckSpyTransport(inner);
    // Request ids of the records acknowledged so far (a redelivery acks the same id again).
    const ackedIds = (): Set<string> =>
      new Set(transport.ackedPayloads.map((p) => (JSON.parse(p) as { id: string }).id));
    const sink = new ElasticsearchSink(
      sinkOptions({
        index,
        requestTimeoutMs: 3000,
        retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 200 },
      }),
    );
    const decoy = new Archiver({
      transport,
      source: 'requests',
      group: 'decoy',
      sinks: [sink],
      batchSize: 100,
      flushIntervalMs: 50,
      writeRetry: { attempts: 10_000, initialDelayMs: 100, maxDelayMs: 500 },
    });
    await decoy.start();
    const total = 1500;
    let published = 0;
    const publisher = (async () => {
      for (; published < total; published++) {
        const id = `c${published}`;
        await transport.publish('requests', {
          key: id,
          payload: encodeEnvelope(irisRequest(id, published)),
        });
        if (published % 50 === 49) await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await until(() => ackedIds().size >= 300, 'the first records acknowledged', 30_000);
    await node!.kill();
    const ackedAtCrash = ackedIds().size;
    await until(
      () => sink.stats().failedWrites > 0,
      'a write failing while the node is down',
      30_000,
    );
    expect(ackedIds().size - ackedAtCrash).toBeLessThanOrEqual(200); // at most the batches in flight
    const ackedWhileDown = ackedIds().size;
    await node!.restart();
    await publisher;
    await until(
      () => ackedIds().size === total,
      'every record acknowledged after recovery',
      60_000,
    );
    await decoy.stop();
    await inner.close();

    expect(ackedWhileDown).toBeLessThan(total);
    expect(await count(index)).toBe(total);
    expect(await count(index, { ids: { values: [...ackedIds()] } })).toBe(total);
    expect(await duplicates(index, 'requestId')).toEqual([]);
  }, 120_000);

  it('sends a document Elasticsearch cannot map to the dead letter and indexes the rest of the batch', async () => {
    const index = unique('decoy-mapping');
    const transport = new MemoryTransport();
    const sink = new ElasticsearchSink(sinkOptions({ index }));
    const decoy = new Archiver({
      transport,
      source: 'requests',
      group: 'decoy',
      sinks: [sink],
      batchSize: 50,
      flushIntervalMs: 20,
    });
    await decoy.start();
    // The first batch maps input.sepalLength as a double...
    for (let i = 0; i < 50; i++) {
      await transport.publish('requests', { payload: encodeEnvelope(irisRequest(`m${i}`, i)) });
    }
    await until(() => decoy.stats().archived === 50, 'first batch archived', 20_000);
    // ...so in the second, two documents with a string there are refused.
    for (let i = 50; i < 100; i++) {
      const bad = i === 60 || i === 75;
      await transport.publish('requests', {
        payload: encodeEnvelope(irisRequest(`m${i}`, i, bad ? 'not-a-number' : undefined)),
      });
    }
    await until(
      () => decoy.stats().archived === 100,
      'second batch archived and acknowledged',
      20_000,
    );
    await decoy.stop();
    await transport.close();

    expect(sink.stats()).toMatchObject({ indexed: 98, deadLettered: 2, failedWrites: 0 });
    expect(decoy.stats().failedBatches).toBe(0);
    expect(await count(index)).toBe(98);
    const deadLetter = `${index}-dead-letter`;
    expect(await count(deadLetter)).toBe(2);
    const dead = await es!.search<{
      id: string;
      type: string;
      index: string;
      record: ArchiveRecord;
    }>({ index: deadLetter, sort: [{ id: 'asc' }] });
    expect(dead.hits.hits.map((h) => h._source?.id)).toEqual(['m60', 'm75']);
    expect(dead.hits.hits[0]?._source).toMatchObject({ index, type: 'document_parsing_exception' });
    expect(dead.hits.hits[0]?._source?.record.kind).toBe('request');
  }, 60_000);

  it('archives the good records of a batch and dead-letters the one nested too deeply to encode', async () => {
    const index = unique('decoy-poison');
    const transport = new MemoryTransport();
    await transport.ensureGroup('dead-letter', 'dlq-reader');
    const dead: DeadLetterRecord[] = [];
    transport.consume('dead-letter', { group: 'dlq-reader', consumer: 'r' }).subscribe((d) => {
      dead.push(JSON.parse(d.payload) as DeadLetterRecord);
      void d.ack();
    });
    const sink = new ElasticsearchSink(sinkOptions({ index }));
    const decoy = new Archiver({
      transport,
      source: 'requests',
      group: 'decoy',
      sinks: [sink],
      batchSize: 10,
      flushIntervalMs: 20,
    });
    await decoy.start();
    for (let i = 0; i < 10; i++) {
      const payload =
        i === 4 ? deeplyNestedPayload('deep-4') : encodeEnvelope(irisRequest(`g${i}`, i));
      await transport.publish('requests', { payload });
    }
    await until(
      () => decoy.stats().archived === 9 && dead.length === 1,
      'good records archived, the poison one dead-lettered',
      20_000,
    );
    await decoy.drain();
    await decoy.stop();
    await transport.close();
    expect(await count(index)).toBe(9);
    expect(dead[0]).toMatchObject({
      component: 'archiver decoy',
      reason: { code: 'SINK_WRITE_FAILED' },
    });
    expect(dead[0]!.reason.message).toMatch(/deep-4.*cannot encode.*RangeError/);
    expect(JSON.parse(dead[0]!.payload).id).toBe('deep-4');
    expect(decoy.stats()).toMatchObject({ deadLettered: 1, released: 0, pending: 0 });
  }, 60_000);

  it('gives refused documents to a dead-letter handler instead, when one is given', async () => {
    const index = unique('score-mapping');
    const refused: string[] = [];
    const sink = new ElasticsearchSink(
      sinkOptions({
        index,
        refresh: true,
        deadLetter: (record, reason) => void refused.push(`${record.id} ${reason.type}`),
      }),
    );
    await sink.write([requestRecord('h1', 1)]);
    await sink.write([
      requestRecord('h2', 2),
      requestRecord('h3', 3, 'oops'),
      requestRecord('h4', 4),
    ]);
    await sink.close();
    expect(refused).toEqual(['h3 document_parsing_exception']);
    expect(await count(index)).toBe(3);
    expect(sink.stats().deadLettered).toBe(1);
  });

  it('retries only the items rejected with 429, and write() resolves once they are in', async () => {
    const requests = unique('r429-requests');
    const scoresIndex = unique('r429-scores');
    const index = (kind: ArchiveRecord['kind']) => (kind === 'request' ? requests : scoresIndex);
    await new ElasticsearchSink(sinkOptions({ index })).write([scoreRecord('warmup', 0)]);
    // A read-only-allow-delete block makes Elasticsearch answer 429 for every item of that index.
    await es!.indices.putSettings({
      index: scoresIndex,
      settings: { 'index.blocks.read_only_allow_delete': true },
    });
    const sink = new ElasticsearchSink(
      sinkOptions({ index, retry: { attempts: 1000, initialDelayMs: 20, maxDelayMs: 100 } }),
    );
    const batch = [
      ...Array.from({ length: 20 }, (_, i) => requestRecord(`q${i}`, i)),
      ...Array.from({ length: 20 }, (_, i) => scoreRecord(`q${i}`, i)),
    ];
    let resolved = false;
    const writing = sink.write(batch).then(() => (resolved = true));
    await until(() => sink.stats().itemsRetried >= 40, 'the blocked items retried twice', 20_000);
    expect(resolved).toBe(false);
    expect(await count(requests)).toBe(20);
    await es!.indices.putSettings({
      index: scoresIndex,
      settings: { 'index.blocks.read_only_allow_delete': null },
    });
    await writing;
    const s = sink.stats();
    expect(s.itemsRetried % 20).toBe(0); // only the 20 blocked items were ever resent
    expect(s.itemsSent).toBe(40 + s.itemsRetried);
    expect(s.indexed).toBe(40);
    expect(await count(scoresIndex)).toBe(21);
  });

  it('rejects a batch that was not fully written, and a retry of it sends only what is missing', async () => {
    const requests = unique('partial-requests');
    const scoresIndex = unique('partial-scores');
    const index = (kind: ArchiveRecord['kind']) => (kind === 'request' ? requests : scoresIndex);
    await new ElasticsearchSink(sinkOptions({ index })).write([scoreRecord('warmup', 0)]);
    await es!.indices.putSettings({
      index: scoresIndex,
      settings: { 'index.blocks.read_only_allow_delete': true },
    });
    const sink = new ElasticsearchSink(
      sinkOptions({ index, retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 } }),
    );
    const batch = [requestRecord('p1', 1), requestRecord('p2', 2), scoreRecord('p1', 1)];
    const error = await sink.write(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkWriteError);
    expect((error as SinkWriteError).retryable).toBe(true);
    expect((error as SinkWriteError).message).toMatch(/1 of 3 records not yet written/);
    expect(await count(requests)).toBe(2);
    await es!.indices.putSettings({
      index: scoresIndex,
      settings: { 'index.blocks.read_only_allow_delete': null },
    });
    const sentBefore = sink.stats().itemsSent;
    await sink.write(batch); // what the Archiver does with a rejected batch
    expect(sink.stats().itemsSent - sentBefore).toBe(1);
    expect(await count(scoresIndex)).toBe(2);
  });

  describe('credentials', () => {
    const secrets = ['url-pass-4711', 'basic-pass-0815', 'api-key-secret-42'];
    const leaks = (text: string): string[] => secrets.filter((s) => text.includes(s));
    const everything = (e: unknown): string =>
      [String(e), JSON.stringify(e), inspect(e, { depth: 20 }), (e as Error).stack ?? ''].join(
        '\n',
      );

    it('never appear in the error of an unreachable node', async () => {
      const port = await freePort();
      const sink = new ElasticsearchSink({
        node: `http://elastic:${secrets[0]}@127.0.0.1:${port}`,
        auth: { username: 'archiver', password: secrets[1]! },
        index: 'decoy-log',
        retry: { attempts: 1 },
      });
      const error = await sink.write([requestRecord('x1', 1)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SinkWriteError);
      expect((error as SinkWriteError).retryable).toBe(true);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect(leaks(everything(error))).toEqual([]);
      expect(leaks(inspect(sink, { depth: Number.POSITIVE_INFINITY }))).toEqual([]);
      expect(leaks(JSON.stringify(sink))).toEqual([]);
      await sink.close();
    });

    it('never appear in the error of a refused request, even when the server echoes them', async () => {
      // A server that answers 401 and echoes the Authorization header it got, like a careless proxy.
      const server: Server = createServer((req, res) => {
        res.writeHead(401, {
          'content-type': 'application/json',
          'x-elastic-product': 'Elasticsearch',
        });
        res.end(
          JSON.stringify({
            error: {
              type: 'security_exception',
              reason: `bad credentials: ${req.headers.authorization}`,
            },
            status: 401,
          }),
        );
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      try {
        for (const auth of [
          { apiKey: secrets[2]! },
          { username: 'archiver', password: secrets[1]! },
        ]) {
          const sink = new ElasticsearchSink({
            node: `http://127.0.0.1:${port}`,
            auth,
            index: 'decoy-log',
            retry: { attempts: 1 },
          });
          const error = await sink.write([requestRecord('x2', 2)]).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(SinkWriteError);
          expect((error as SinkWriteError).retryable).toBe(false);
          expect((error as Error).message).toMatch(/HTTP 401/);
          expect(leaks(everything(error))).toEqual([]);
          expect(everything(error)).not.toContain(
            Buffer.from(`archiver:${secrets[1]}`).toString('base64'),
          );
          await sink.close();
        }
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it('never appear in the error of an item Elasticsearch refuses for good', async () => {
      const sink = new ElasticsearchSink({
        node: node!.url,
        auth: { apiKey: secrets[2]! },
        index: `Bad,Index-${secrets[2]}`,
        templates: false,
        retry: { attempts: 1 },
      });
      const error = await sink.write([requestRecord('x3', 3)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SinkWriteError);
      expect((error as SinkWriteError).retryable).toBe(false);
      expect((error as Error).message).toMatch(/invalid_index_name_exception/);
      expect(leaks(everything(error))).toEqual([]);
      await sink.close();
    });
  });
});
