import type { Delivery, IncomingMessage, OutgoingMessage } from '@rendezvous-ml/core';

/** `payload` as an own enumerable accessor reading the sent message's, one shared getter. */
const SENT_PAYLOAD: PropertyDescriptor = {
  enumerable: true,
  get(this: Received): string {
    return this.sentPayload();
  },
};

/**
 * A message as received that carries an envelope object: `payload` is read from the sent
 * message only when asked for (so the text is made only if someone reads it), and `envelope`
 * is a prototype getter, not enumerable: a wrapper that rebuilds the message drops it.
 *
 * @example
 * ```ts
 * subscriber.next(new Received(address, id, message.key, message));
 * ```
 */
export class Received {
  declare readonly payload: string;
  readonly key?: string;
  readonly #sent: OutgoingMessage;

  constructor(
    readonly source: string,
    readonly id: string,
    key: string | undefined,
    sent: OutgoingMessage,
  ) {
    if (key !== undefined) this.key = key;
    this.#sent = sent;
    Object.defineProperty(this, 'payload', SENT_PAYLOAD);
  }

  get envelope(): unknown {
    return this.#sent.envelope;
  }

  /** @internal */
  sentPayload(): string {
    return this.#sent.payload;
  }
}

/**
 * A {@link Received} delivery of a consumer group.
 *
 * @example
 * ```ts
 * const d = new ReceivedDelivery(new Received('s', '1', 'k', sent), 1, ack, release);
 * ```
 */
export class ReceivedDelivery extends Received implements Delivery {
  constructor(
    where: Where,
    sent: OutgoingMessage,
    readonly deliveryCount: number,
    readonly ack: () => Promise<void>,
    readonly release: Delivery['release'],
  ) {
    super(where.source, where.id, where.key, sent);
  }
}

/** Where a message was received: its stream or address, its id and its key. */
interface Where {
  readonly source: string;
  readonly id: string;
  readonly key: string | undefined;
}

/**
 * A message as received: the same fields as always when it carries no envelope object (a plain
 * object, `payload` a data property), a {@link Received} when it does.
 *
 * @example
 * ```ts
 * subscriber.next(received({ source: address, id, key: message.key }, message));
 * ```
 */
export function received(where: Where, sent: OutgoingMessage): IncomingMessage {
  if (sent.envelope !== undefined) return new Received(where.source, where.id, where.key, sent);
  const { source, id, key } = where;
  return { source, id, payload: sent.payload, ...(key === undefined ? {} : { key }) };
}

/**
 * A delivery of a consumer group, plain or {@link ReceivedDelivery} as {@link received} decides.
 *
 * @example
 * ```ts
 * member.subscriber.next(deliveryOf(where, entry.message, 1, ack, release));
 * ```
 */
export function deliveryOf(
  where: Where,
  sent: OutgoingMessage,
  deliveryCount: number,
  ack: () => Promise<void>,
  release: Delivery['release'],
): Delivery {
  if (sent.envelope !== undefined)
    return new ReceivedDelivery(where, sent, deliveryCount, ack, release);
  const { source, id, key } = where;
  const payload = sent.payload;
  return key === undefined
    ? { source, id, payload, deliveryCount, ack, release }
    : { source, id, payload, deliveryCount, ack, release, key };
}
