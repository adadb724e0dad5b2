import { loadPeer, moduleExport } from '@rendezvous-ml/core/transport';

/**
 * The `@nats-io/transport-node` and `@nats-io/jetstream` versions this package supports (its
 * peer dependency range).
 *
 * @example
 * ```ts
 * console.log(`needs @nats-io/jetstream ${NATS_RANGE}`);
 * ```
 */
export const NATS_RANGE = '^3.1.0';

/**
 * The `@nats-io/transport-node` module (its `connect`, `headers`, ...).
 */
export type NatsNodeModule = typeof import('@nats-io/transport-node');
/**
 * The `@nats-io/jetstream` module (its `jetstream`, `jetstreamManager`, `AckPolicy`, ...).
 *
 * @example
 * ```ts
 * const { jetstreamManager }: NatsJetStreamModule = (await loadNats()).jetstream;
 * ```
 */
export type NatsJetStreamModule = typeof import('@nats-io/jetstream');

/**
 * The two `@nats-io` modules, as {@link loadNats} returns them.
 *
 * @example
 * ```ts
 * const { node, jetstream } = await loadNats();
 * const nc = await node.connect({ servers: '127.0.0.1:4222' });
 * ```
 */
export interface NatsModules {
  readonly node: NatsNodeModule;
  readonly jetstream: NatsJetStreamModule;
}

/**
 * How {@link loadNats} imports a module; injectable so the missing-peer path is testable.
 */
export type NatsModuleImporter = (
  specifier: '@nats-io/transport-node' | '@nats-io/jetstream',
) => Promise<unknown>;

const defaultImporter: NatsModuleImporter = (specifier) =>
  specifier === '@nats-io/transport-node'
    ? import('@nats-io/transport-node')
    : import('@nats-io/jetstream');

/** The module itself, or its `default` (a CJS build), whichever has all of `keys` as functions. */
function exporting(...keys: string[]) {
  const has = (m: unknown): boolean =>
    typeof m === 'object' &&
    m !== null &&
    keys.every((k) => typeof (m as Record<string, unknown>)[k] === 'function');
  return (module: unknown): unknown => {
    if (has(module)) return module;
    const fallback = moduleExport(module, 'default');
    return has(fallback) ? fallback : undefined;
  };
}

/**
 * Loads the `@nats-io/transport-node` and `@nats-io/jetstream` peer dependencies lazily and
 * checks they export the v3 API (`@nats-io/jetstream` does not export its `package.json`, so
 * the API is the version check: older `nats` v2 has no such modules, and a v2-era
 * `@nats-io/jetstream` pre-release lacks these functions). Fails with a
 * `MissingPeerDependencyError` that says what to install when one is missing.
 *
 * @example
 * ```ts
 * const { node } = await loadNats();
 * const nc = await node.connect({ servers: 'nats://127.0.0.1:4222' });
 * ```
 */
export async function loadNats(
  importer: NatsModuleImporter = defaultImporter,
): Promise<NatsModules> {
  const [node, jetstream] = await Promise.all([
    loadPeer({
      name: '@nats-io/transport-node',
      range: NATS_RANGE,
      load: () => importer('@nats-io/transport-node'),
      api: exporting('connect'),
    }),
    loadPeer({
      name: '@nats-io/jetstream',
      range: NATS_RANGE,
      load: () => importer('@nats-io/jetstream'),
      api: exporting('jetstream', 'jetstreamManager'),
    }),
  ]);
  return { node: node as NatsNodeModule, jetstream: jetstream as NatsJetStreamModule };
}
