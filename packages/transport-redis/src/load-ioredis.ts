import { MissingPeerDependencyError } from '@rendezvous-ml/core';
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
 *
 * @example
 * ```ts
 * const Redis: RedisConstructor = await loadIoredis();
 * ```
 */
export type RedisConstructor = new (options: RedisOptions) => Redis;

/**
 * How {@link loadIoredis} imports a module; injectable so the missing-peer path is testable.
 *
 * @example
 * ```ts
 * const importer: ModuleImporter = (specifier) => import(specifier);
 * ```
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (specifier) =>
  specifier === 'ioredis/package.json'
    ? import('ioredis/package.json', { with: { type: 'json' } })
    : import('ioredis');

function supported(version: string): boolean {
  const [major, minor] = version.split('.').map((n) => Number.parseInt(n, 10));
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor))
    return false;
  return (major === 5 && minor >= 4) || major === 6;
}

function pick(module: unknown, key: string): unknown {
  if (typeof module !== 'object' || module === null) return undefined;
  return (module as Record<string, unknown>)[key];
}

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
export async function loadIoredis(
  importer: ModuleImporter = defaultImporter,
): Promise<RedisConstructor> {
  let module: unknown;
  let manifest: unknown;
  try {
    [module, manifest] = await Promise.all([importer('ioredis'), importer('ioredis/package.json')]);
  } catch (cause) {
    throw new MissingPeerDependencyError('ioredis', IOREDIS_RANGE, 'ioredis is not installed', {
      cause,
    });
  }
  const version = pick(pick(manifest, 'default') ?? manifest, 'version');
  if (typeof version !== 'string' || !supported(version)) {
    throw new MissingPeerDependencyError(
      'ioredis',
      IOREDIS_RANGE,
      `ioredis ${String(version)} is not supported`,
    );
  }
  const ctor =
    pick(module, 'Redis') ?? pick(pick(module, 'default'), 'Redis') ?? pick(module, 'default');
  if (typeof ctor !== 'function') {
    throw new MissingPeerDependencyError(
      'ioredis',
      IOREDIS_RANGE,
      'ioredis does not export a Redis client',
    );
  }
  return ctor as RedisConstructor;
}
