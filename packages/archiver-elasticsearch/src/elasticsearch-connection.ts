import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchSinkOptions } from './elasticsearch-sink-options.js';
import { loadElasticsearch } from './load-elasticsearch.js';

/**
 * The client of an {@link ElasticsearchSink}: the injected one, or one the sink creates on first
 * use (loading the `@elastic/elasticsearch` peer then) and owns. A failed load is forgotten, so
 * the next write tries again instead of failing for ever.
 *
 * @example
 * ```ts
 * const connection = new ElasticsearchConnection({ node: 'http://127.0.0.1:9200' }, 30_000);
 * const client = await connection.client();
 * await connection.close(); // closes it: the sink created it
 * ```
 */
export class ElasticsearchConnection {
  private created: Promise<Client> | undefined;

  constructor(
    private readonly options: ElasticsearchSinkOptions,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Every node URL of `options`, `node` first. */
  static nodeUrls(options: ElasticsearchSinkOptions): string[] {
    const node = options.node;
    return [...(typeof node === 'string' ? [node] : (node ?? [])), ...(options.nodes ?? [])];
  }

  /** The client, created on the first call unless one was injected. */
  client(): Promise<Client> {
    if (this.options.client) return Promise.resolve(this.options.client);
    this.created ??= loadElasticsearch().then(({ Client: ClientClass }) => {
      const urls = ElasticsearchConnection.nodeUrls(this.options);
      const auth = this.options.auth;
      return new ClientClass({
        node: urls,
        // The sink retries with backoff itself; the client's immediate retries would only add load.
        maxRetries: 0,
        requestTimeout: this.requestTimeoutMs,
        ...(auth ? { auth: 'apiKey' in auth ? { apiKey: auth.apiKey } : { ...auth } } : {}),
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        ...(this.options.caFingerprint ? { caFingerprint: this.options.caFingerprint } : {}),
      });
    });
    this.created.catch(() => {
      this.created = undefined;
    });
    return this.created;
  }

  /** Closes the client if it was created here (an injected client stays open). */
  async close(): Promise<void> {
    if (this.created && !this.options.client) {
      const client = await this.created.catch(() => undefined);
      await client?.close();
    }
  }
}
