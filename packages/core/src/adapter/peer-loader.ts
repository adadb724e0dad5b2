import { loadPeer, type PeerDependency } from './load-peer.js';

/**
 * A {@link loadPeer} that loads on first call and then answers from memory; a failed load is
 * forgotten, so the next call tries again (the package may have been installed since).
 *
 * @example
 * ```ts
 * export const loadKafkajs = peerLoader(kafkajsPeer);
 * const { Kafka } = await loadKafkajs();
 * ```
 */
export function peerLoader<M>(peer: PeerDependency<M>): () => Promise<M> {
  let cached: Promise<M> | undefined;
  return () => {
    if (cached) return cached;
    const loading = loadPeer(peer);
    cached = loading;
    loading.catch(() => {
      if (cached === loading) cached = undefined;
    });
    return loading;
  };
}
