import { MissingPeerDependencyError } from '@rendezvous-ml/core';

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
 *
 * @example
 * ```ts
 * const node: NatsNodeModule = (await loadNats()).node;
 * ```
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
 *
 * @example
 * ```ts
 * const importer: NatsModuleImporter = (specifier) => import(specifier);
 * ```
 */
export type NatsModuleImporter = (
  specifier: '@nats-io/transport-node' | '@nats-io/jetstream',
) => Promise<unknown>;

const defaultImporter: NatsModuleImporter = (specifier) =>
  specifier === '@nats-io/transport-node'
    ? import('@nats-io/transport-node')
    : import('@nats-io/jetstream');

function has(module: unknown, ...keys: string[]): boolean {
  if (typeof module !== 'object' || module === null) return false;
  return keys.every((k) => typeof (module as Record<string, unknown>)[k] === 'function');
}

async function importOne(
  importer: NatsModuleImporter,
  name: '@nats-io/transport-node' | '@nats-io/jetstream',
  api: string[],
): Promise<unknown> {
  let module: unknown;
  try {
    module = await importer(name);
  } catch (cause) {
    throw new MissingPeerDependencyError(name, NATS_RANGE, `${name} is not installed`, { cause });
  }
  // The v3 modular packages: older `nats` (v2) has no such modules, and a v2-era
  // `@nats-io/jetstream` pre-release lacks these functions.
  if (!has(module, ...api))
    throw new MissingPeerDependencyError(
      name,
      NATS_RANGE,
      `${name} does not export ${api.join(', ')} (a version outside ${NATS_RANGE}?)`,
    );
  return module;
}

/**
 * Loads the `@nats-io/transport-node` and `@nats-io/jetstream` peer dependencies lazily and
 * checks they export the v3 API. Fails with a `MissingPeerDependencyError` that says what to
 * install when one is missing.
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
    importOne(importer, '@nats-io/transport-node', ['connect']),
    importOne(importer, '@nats-io/jetstream', ['jetstream', 'jetstreamManager']),
  ]);
  return { node: node as NatsNodeModule, jetstream: jetstream as NatsJetStreamModule };
}
