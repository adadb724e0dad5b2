import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A single-node Elasticsearch process owned by a test file, which it can stop, kill and restart. */
export interface ElasticsearchNode {
  /** HTTP URL, such as `http://127.0.0.1:39200`. */
  readonly url: string;
  readonly port: number;
  /** The node's data, config and log folder. */
  readonly dir: string;
  /** Clean shutdown (SIGTERM, then SIGKILL after the script's timeout). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL now, to simulate a crash. */
  kill(): Promise<void>;
  /** Stops it if running, then starts it again on the same port and folder (indices, templates and documents survive). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

const script = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../scripts/elasticsearch/elasticsearch.sh',
);

function run(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      [script, ...args],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 4 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `elasticsearch.sh ${args[0]} failed: ${error.message}\n${stderr.slice(-3000)}`,
            ),
          );
        } else resolvePromise(stdout);
      },
    );
  });
}

/**
 * Starts a real single-node Elasticsearch (9.5.3, from Maven Central jars) with
 * `scripts/elasticsearch/elasticsearch.sh` in a fresh temp folder: fetches the jars once
 * (cached), starts the node on a free loopback port, and resolves when the script's health
 * check (`_cluster/health?wait_for_status=yellow`) has succeeded.
 *
 * @example
 * ```ts
 * const gate = await requireService('elasticsearch', () => startElasticsearchNode());
 * describe.skipIf(!gate.ok)('elasticsearch sink', () => {  });
 * afterAll(() => (gate.ok ? gate.service.dispose() : undefined));
 * ```
 */
export async function startElasticsearchNode(): Promise<ElasticsearchNode> {
  await run(['fetch'], 300_000);
  const dir = await mkdtemp(join(tmpdir(), 'rendezvous-elasticsearch-'));
  const start = async (port?: number): Promise<number> => {
    const args = ['start', '--dir', dir, ...(port === undefined ? [] : ['--port', String(port)])];
    const out = await run(args, 180_000);
    const match = /ELASTICSEARCH_URL=http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (!match) throw new Error(`elasticsearch.sh start printed no ELASTICSEARCH_URL line: ${out}`);
    return Number(match[1]);
  };
  let port: number;
  try {
    port = await start();
  } catch (error) {
    await run(['kill', '--dir', dir], 30_000).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await run(['stop', '--dir', dir], 60_000);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    kill: async () => {
      await run(['kill', '--dir', dir], 30_000);
    },
    restart: async () => {
      await stop();
      await start(port);
    },
    dispose: async () => {
      await run(['kill', '--dir', dir], 30_000).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
