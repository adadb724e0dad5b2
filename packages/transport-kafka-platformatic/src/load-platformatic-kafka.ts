import { moduleExport, type PeerDependency, peerLoader } from '@rendezvous-ml/core/transport';

/**
 * The `@platformatic/kafka` module, as {@link loadPlatformaticKafka} returns it.
 *
 * @example
 * ```ts
 * const { Admin } = await loadPlatformaticKafka();
 * const admin = new Admin({ clientId: 'ops', bootstrapBrokers: ['127.0.0.1:9092'] });
 * ```
 */
export type PlatformaticKafkaModule = typeof import('@platformatic/kafka');

/** `@platformatic/kafka` as the core kit's `loadPeer` loads it (its `exports` hide its manifest). */
const platformaticKafka: PeerDependency<PlatformaticKafkaModule> = {
  name: '@platformatic/kafka',
  range: '^2.12.1',
  load: () => import('@platformatic/kafka'),
  api: (module) =>
    ['Producer', 'Consumer', 'Admin'].every((k) => typeof moduleExport(module, k) === 'function')
      ? (module as PlatformaticKafkaModule)
      : undefined,
};

/**
 * Loads the `@platformatic/kafka` peer dependency on first use. Rejects with
 * `MissingPeerDependencyError` ("install @platformatic/kafka") when it is missing or lacks the
 * clients the transport uses; a failed load is tried again on the next call.
 *
 * @example
 * ```ts
 * const { Producer } = await loadPlatformaticKafka();
 * ```
 */
export const loadPlatformaticKafka: () => Promise<PlatformaticKafkaModule> =
  peerLoader(platformaticKafka);
