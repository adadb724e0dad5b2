// Runs the sink against @elastic/elasticsearch at both ends of the peer range this package declares
// (>=8.13.0 <10): 8.13.0 and the newest 9.x, each installed by scripts/ci/peer-versions.mjs in a
// cache outside the clone and injected with the `client` option, against the real (9.x) node.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, ClientOptions } from '@elastic/elasticsearch';
import { type ArchiveRecord, SinkWriteError } from '@rendezvous-ml/core';
import { requireService, servicesRequired, startElasticsearchNode } from '@rendezvous-ml/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { ElasticsearchSink } from '../src/index.js';
import { irisRequest } from './iris-envelopes.js';

interface PeerInstall {
  readonly spec: string;
  readonly version: string;
  readonly dir: string;
}

const PACKAGE = '@elastic/elasticsearch';
const script = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../scripts/ci/peer-versions.mjs',
);

/** Installs (once, cached) every listed client version; locally a failure skips, in CI it fails. */
function installPeers(): { ok: true; peers: PeerInstall[] } | { ok: false; reason: string } {
  try {
    const out = execFileSync(process.execPath, [script, PACKAGE], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    return { ok: true, peers: (JSON.parse(out) as Record<string, PeerInstall[]>)[PACKAGE]! };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const reason = (e.stderr || e.message).trim();
    if (servicesRequired())
      throw new Error(`cannot install the ${PACKAGE} peer versions: ${reason}`);
    console.warn(`\n*** SKIPPING the ${PACKAGE} peer-range suites: ${reason}\n`);
    return { ok: false, reason };
  }
}

const installed = installPeers();
const peers = installed.ok ? installed.peers : [];
// No JVM to start when there is no client to run against.
const gate = installed.ok
  ? await requireService('elasticsearch', () => startElasticsearchNode())
  : { ok: false as const };
const node = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await node?.dispose();
});

type ClientCtor = new (options: ClientOptions) => Client;

/** The client of the install in `dir`; typed as the dev version's, whose API the sink uses. */
function loadFrom(dir: string): { Client: ClientCtor; version: string } {
  const require = createRequire(join(dir, 'package.json'));
  const module = require(PACKAGE) as { Client: ClientCtor };
  const version = (require(`${PACKAGE}/package.json`) as { version: string }).version;
  return { Client: module.Client, version };
}

const requestRecord = (id: string, i: number, sepalLength?: number | string): ArchiveRecord => ({
  kind: 'request',
  id,
  requestId: id,
  archivedAt: Date.now(),
  request: irisRequest(id, i, sepalLength),
});

let seq = 0;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${++seq}`;

describe.skipIf(!installed.ok || !gate.ok)(`${PACKAGE} peer range`, () => {
  it('covers both ends of the declared range: 8.13.0 and the newest 9.x', () => {
    expect(peers.map((p) => p.spec)).toEqual(['8.13.0', '^9']);
    expect(peers[1]!.version.startsWith('9.')).toBe(true);
  });

  for (const peer of peers) {
    describe(`${PACKAGE} ${peer.version}`, () => {
      const { Client: PeerClient, version } = loadFrom(peer.dir);
      const major = version.split('.')[0];
      const client = new PeerClient({ node: node?.url ?? 'http://127.0.0.1:9', maxRetries: 0 });
      /** The Accept header of every request this client sent. */
      const accepts = new Set<string>();
      client.diagnostic.on('request', (_error, event) => {
        const accept = event?.meta.request.params.headers?.accept;
        if (typeof accept === 'string') accepts.add(accept);
      });
      const sinkOf = (index: string) =>
        new ElasticsearchSink({
          client,
          index,
          refresh: true,
          templates: { settings: { 'index.number_of_replicas': 0 } },
          retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
        });
      afterAll(async () => {
        await client.close();
      });

      it('is the version under test, and reaches the 9.x node in compatibility mode of its major', async () => {
        expect(version).toBe(peer.version);
        const info = await client.info();
        expect(info.version.number.startsWith('9.')).toBe(true);
        // An 8.x client asks for `compatible-with=8`, which a 9.x node serves (REST API
        // compatibility with the previous major); a 9.x client asks for `compatible-with=9`.
        expect([...accepts].every((a) => a.includes(`compatible-with=${major}`))).toBe(true);
        expect(accepts.size).toBeGreaterThan(0);
      });

      it('writes a batch, and each record reads back by its id', async () => {
        const index = unique(`peer${major}-batch`);
        const sink = sinkOf(index);
        const batch = Array.from({ length: 25 }, (_, i) => requestRecord(`b${i}`, i));
        await sink.write(batch);
        await sink.close();
        const { docs } = await client.mget<{ id: string; requestId: string }>({
          index,
          ids: batch.map((r) => r.id),
        });
        expect(docs.map((d) => ('found' in d && d.found ? d._source?.requestId : d._id))).toEqual(
          batch.map((r) => r.requestId),
        );
        expect((await client.count({ index })).count).toBe(25);
        expect(sink.stats()).toMatchObject({ indexed: 25, deadLettered: 0, failedWrites: 0 });
      });

      it('overwrites the document of a redelivered record instead of duplicating it', async () => {
        const index = unique(`peer${major}-redelivery`);
        const sink = sinkOf(index);
        await sink.write([requestRecord('d1', 1), requestRecord('d2', 2)]);
        // A redelivery decodes the message again: new record objects with the same ids.
        await sink.write([requestRecord('d1', 1), requestRecord('d2', 2)]);
        await sink.close();
        expect((await client.count({ index })).count).toBe(2);
        const doc = await client.get({ index, id: 'd1' });
        expect(doc._version).toBe(2);
        expect(sink.stats().indexed).toBe(4);
      });

      it('dead-letters a document Elasticsearch cannot map and indexes the rest', async () => {
        const index = unique(`peer${major}-mapping`);
        const sink = sinkOf(index);
        await sink.write([requestRecord('m1', 1)]); // maps input.sepalLength as a double
        await sink.write([requestRecord('m2', 2, 'not-a-number'), requestRecord('m3', 3)]);
        await sink.close();
        expect(sink.stats()).toMatchObject({ indexed: 2, deadLettered: 1, failedWrites: 0 });
        expect((await client.count({ index })).count).toBe(2);
        const dead = await client.get<{ id: string; type: string; index: string }>({
          index: `${index}-dead-letter`,
          id: 'm2',
        });
        expect(dead._source).toMatchObject({
          id: 'm2',
          index,
          type: 'document_parsing_exception',
        });
      });

      it('closes without closing the injected client, and refuses writes afterwards', async () => {
        const sink = sinkOf(unique(`peer${major}-close`));
        await sink.write([requestRecord('c1', 1)]);
        await sink.close();
        await sink.close(); // idempotent
        const error = await sink.write([requestRecord('c2', 2)]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SinkWriteError);
        expect((error as SinkWriteError).retryable).toBe(false);
        expect((await client.ping()) as unknown).toBe(true); // still usable by its owner
      });
    });
  }
});
