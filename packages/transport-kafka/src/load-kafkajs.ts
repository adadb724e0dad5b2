import { moduleExport, type PeerDependency, peerLoader } from '@rendezvous-ml/core/transport';

/**
 * The kafkajs module, as {@link loadKafkajs} returns it.
 *
 * @example
 * ```ts
 * const kafkajs: KafkajsModule = await loadKafkajs();
 * const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:9092'] });
 * ```
 */
export type KafkajsModule = typeof import('kafkajs');

/** The kafkajs versions this package supports (internal). */
export const KAFKAJS_RANGE = '^2.2.4';

/** kafkajs as the core kit's `loadPeer` loads it: imported from this package, so it resolves here. */
const kafkajs: PeerDependency<KafkajsModule> = {
  name: 'kafkajs',
  range: KAFKAJS_RANGE,
  load: () => import('kafkajs'),
  manifest: () => import('kafkajs/package.json', { with: { type: 'json' } }),
  api: (module) => {
    if (typeof moduleExport(module, 'Kafka') !== 'function') return undefined;
    const own = (module as { Kafka?: unknown }).Kafka;
    return (own ? module : moduleExport(module, 'default')) as KafkajsModule;
  },
};

/**
 * Loads the kafkajs peer dependency on first use and checks its version (`^2.2.4`). Rejects with
 * `MissingPeerDependencyError` ("install kafkajs") when it is missing or too old; a failed load
 * is tried again on the next call. Useful to build a `Kafka` instance of your own (the `kafka`
 * option of `KafkaTransport`) from the same kafkajs copy the transport uses.
 *
 * @example
 * ```ts
 * const { Kafka } = await loadKafkajs();
 * const kafka = new Kafka({ brokers: ['127.0.0.1:9092'] });
 * ```
 */
export const loadKafkajs: () => Promise<KafkajsModule> = peerLoader(kafkajs);
