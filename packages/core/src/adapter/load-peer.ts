import { MissingPeerDependencyError } from '../errors.js';
import { moduleExport } from './module-export.js';
import { satisfiesVersionRange } from './version-range.js';

/**
 * A broker client that an adapter takes as a peer dependency, as {@link loadPeer} loads it.
 *
 * `load` and `manifest` are written in the adapter (`() => import('ioredis')`), never in the
 * core: a peer resolves from the package that declares it (under pnpm the core cannot see an
 * adapter's peers), and a bundler sees a literal specifier. No `require` is looked up: an
 * adapter's ESM build has only a `require` shim that throws, its CJS build no `import.meta.url`.
 */
export interface PeerDependency<M> {
  /** The npm package name, as the "install" message says it. */
  readonly name: string;
  /** The supported versions, the peer dependency range (see {@link satisfiesVersionRange}). */
  readonly range: string;
  /** Imports the package. */
  readonly load: () => Promise<unknown>;
  /**
   * Imports its `package.json`, to check the version against `range`. Omit it for a package
   * whose `exports` hide its manifest: `api` then is the only check.
   */
  readonly manifest?: () => Promise<unknown>;
  /** The API the adapter uses, picked from the module; `undefined` when it is not there. */
  readonly api: (module: unknown) => M | undefined;
}

function notFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function attempt(peer: PeerDependency<unknown>, step: () => Promise<unknown>) {
  try {
    return await step();
  } catch (cause) {
    const detail = notFound(cause) ? 'is not installed' : 'cannot be loaded';
    throw new MissingPeerDependencyError(peer.name, peer.range, `${peer.name} ${detail}`, {
      cause,
    });
  }
}

/**
 * Loads a peer dependency and checks it: installed, its version in `range` (when its manifest
 * can be read), and exporting the API the adapter uses. Every failure is a
 * `MissingPeerDependencyError` whose message says what to install.
 *
 * @example
 * ```ts
 * const Redis = await loadPeer(ioredis);
 * const client = new Redis({ host: '127.0.0.1', port: 6379 });
 * ```
 */
export async function loadPeer<M>(peer: PeerDependency<M>): Promise<M> {
  const [module, manifest] = await Promise.all([
    attempt(peer, peer.load),
    peer.manifest ? attempt(peer, peer.manifest) : undefined,
  ]);
  if (peer.manifest) {
    const version = moduleExport(manifest, 'version');
    if (typeof version !== 'string' || !satisfiesVersionRange(version, peer.range))
      throw new MissingPeerDependencyError(
        peer.name,
        peer.range,
        `${peer.name} ${String(version)} is not supported`,
      );
  }
  const api = peer.api(module);
  if (api === undefined)
    throw new MissingPeerDependencyError(
      peer.name,
      peer.range,
      `${peer.name} does not export the API this package uses (a version outside ${peer.range}?)`,
    );
  return api;
}
