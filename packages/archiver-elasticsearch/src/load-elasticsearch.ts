import { type PeerDependency, peerLoader } from '@rendezvous-ml/core/transport';

/**
 * The `@elastic/elasticsearch` module, as {@link loadElasticsearch} returns it.
 *
 * @example
 * ```ts
 * const { Client }: ElasticsearchModule = await loadElasticsearch();
 * ```
 */
export type ElasticsearchModule = typeof import('@elastic/elasticsearch');

/**
 * The `@elastic/elasticsearch` versions this package supports.
 *
 * @example
 * ```ts
 * console.log(`needs @elastic/elasticsearch@"${ELASTICSEARCH_CLIENT_RANGE}"`);
 * ```
 */
export const ELASTICSEARCH_CLIENT_RANGE = '>=8.13.0 <10';

/**
 * The client as the core kit's `loadPeer` loads it: imported from this package, so it resolves
 * here. (The loader this replaced looked `require` up, and in the ESM build found esbuild's
 * `require` shim, which throws: the client read as not installed.)
 */
const elasticsearch: PeerDependency<ElasticsearchModule> = {
  name: '@elastic/elasticsearch',
  range: ELASTICSEARCH_CLIENT_RANGE,
  load: () => import('@elastic/elasticsearch'),
  manifest: () => import('@elastic/elasticsearch/package.json', { with: { type: 'json' } }),
  api: (module) => {
    const m = module as ElasticsearchModule & { default?: ElasticsearchModule };
    if (typeof m.Client === 'function') return m;
    return typeof m.default?.Client === 'function' ? m.default : undefined;
  },
};

/**
 * Loads the `@elastic/elasticsearch` peer dependency on first use and checks its version.
 * Rejects with `MissingPeerDependencyError` ("install @elastic/elasticsearch") when it is
 * missing or its version is unsupported; a failed load is tried again on the next call.
 *
 * @example
 * ```ts
 * const { Client } = await loadElasticsearch();
 * const client = new Client({ node: 'http://127.0.0.1:9200' });
 * ```
 */
export const loadElasticsearch: () => Promise<ElasticsearchModule> = peerLoader(elasticsearch);
