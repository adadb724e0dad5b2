import { loadPeer, moduleExport } from '@rendezvous-ml/core/transport';
import type { Redis, RedisOptions } from 'ioredis';

/**
 * The ioredis versions this package supports (its peer dependency range).
 *
 * @example
 * ```ts
 * console.log(`needs ioredis ${IOREDIS_RANGE}`);
 * ```
 */
export const IOREDIS_RANGE = '>=5.4.0 <7';

/**
 * The constructor of an ioredis client, as exported by the `ioredis` package.
 */
export type RedisConstructor = new (options: RedisOptions) => Redis;

/**
 * How {@link loadIoredis} imports a module; injectable so the missing-peer path is testable.
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (specifier) =>
  specifier === 'ioredis/package.json'
    ? import('ioredis/package.json', { with: { type: 'json' } })
    : import('ioredis');

/**
 * Loads the `ioredis` peer dependency lazily and checks its version. Fails with a
 * `MissingPeerDependencyError` that says how to install it when it is missing or too old.
 *
 * @example
 * ```ts
 * const Redis = await loadIoredis();
 * const client = new Redis({ host: '127.0.0.1', port: 6379 });
 * ```
 */
export function loadIoredis(importer: ModuleImporter = defaultImporter): Promise<RedisConstructor> {
  return loadPeer({
    name: 'ioredis',
    range: IOREDIS_RANGE,
    load: () => importer('ioredis'),
    manifest: () => importer('ioredis/package.json'),
    api: (module) => {
      const ctor = moduleExport(module, 'Redis') ?? moduleExport(module, 'default');
      return typeof ctor === 'function' ? (ctor as RedisConstructor) : undefined;
    },
  });
}
