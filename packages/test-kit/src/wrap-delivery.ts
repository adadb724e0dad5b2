import type { Delivery } from '@rendezvous-ml/core';

/**
 * A copy of `delivery` whose `ack` and `release` are the ones given (each defaults to the
 * original's), for a transport wrapper that records or delays them. Every message field is
 * kept, the optional `key` and `envelope` included when present; the wrapper calls the
 * original's `ack()`/`release()` itself.
 *
 * @example
 * ```ts
 * const spied = wrapDelivery(d, {
 *   ack: async () => {
 *     await d.ack();
 *     acked.push(d.id);
 *   },
 * });
 * ```
 */
export function wrapDelivery(
  delivery: Delivery,
  settle: Partial<Pick<Delivery, 'ack' | 'release'>>,
): Delivery {
  const { source, id, payload, key, envelope, deliveryCount } = delivery;
  return {
    source,
    id,
    payload,
    ...(key === undefined ? {} : { key }),
    ...(envelope === undefined ? {} : { envelope }),
    deliveryCount,
    ack: settle.ack ?? (() => delivery.ack()),
    release: settle.release ?? ((options) => delivery.release(options)),
  };
}
