import { createRequire } from 'node:module';
import { MissingPeerDependencyError } from '@rendezvous-ml/core';

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

const PACKAGE = '@elastic/elasticsearch';

let cached: Promise<ElasticsearchModule> | undefined;

function localRequire(): NodeJS.Require {
  // The CJS build has `require`; the ESM build resolves from this file's URL.
  return typeof require === 'function' ? require : createRequire(import.meta.url);
}

/**
 * Whether `version` is in {@link ELASTICSEARCH_CLIENT_RANGE} (8.13 or later, before 10).
 *
 * @example
 * ```ts
 * isSupportedElasticsearchClientVersion('9.5.1'); // true
 * isSupportedElasticsearchClientVersion('8.12.0'); // false
 * ```
 */
export function isSupportedElasticsearchClientVersion(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return (major === 8 && minor >= 13) || major === 9;
}

/**
 * Loads the `@elastic/elasticsearch` peer dependency on first use and checks its version.
 * Throws `MissingPeerDependencyError` ("install @elastic/elasticsearch") when it is missing or
 * its version is unsupported.
 *
 * @example
 * ```ts
 * const { Client } = await loadElasticsearch();
 * const client = new Client({ node: 'http://127.0.0.1:9200' });
 * ```
 */
export function loadElasticsearch(): Promise<ElasticsearchModule> {
  cached ??= (async () => {
    let version: string;
    try {
      version = (localRequire()(`${PACKAGE}/package.json`) as { version: string }).version;
    } catch (cause) {
      throw new MissingPeerDependencyError(
        PACKAGE,
        ELASTICSEARCH_CLIENT_RANGE,
        `${PACKAGE} is not installed`,
        { cause },
      );
    }
    if (!isSupportedElasticsearchClientVersion(version)) {
      throw new MissingPeerDependencyError(
        PACKAGE,
        ELASTICSEARCH_CLIENT_RANGE,
        `${PACKAGE} ${version} is installed but not supported`,
      );
    }
    try {
      const mod = (await import('@elastic/elasticsearch')) as ElasticsearchModule & {
        default?: ElasticsearchModule;
      };
      return typeof mod.Client === 'function' ? mod : (mod.default as ElasticsearchModule);
    } catch (cause) {
      throw new MissingPeerDependencyError(
        PACKAGE,
        ELASTICSEARCH_CLIENT_RANGE,
        `${PACKAGE} cannot be loaded`,
        { cause },
      );
    }
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
