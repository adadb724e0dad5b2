import type { IncomingMessage, OutgoingMessage } from '@rendezvous-ml/core';
import type { NatsModules } from './load-nats.js';

/** The header that carries a message's key. */
export const KEY_HEADER = 'Rdv-Key';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The fields of a received NATS or JetStream message this transport reads. */
export interface RawNatsMessage {
  readonly data: Uint8Array;
  readonly headers?: { get(key: string): string } | undefined;
}

/** A decoded message: `malformed` when its bytes were not UTF-8 (a foreign writer). */
export interface DecodedMessage {
  readonly key: string | undefined;
  readonly payload: string;
  readonly malformed: boolean;
}

/**
 * Decodes a received message. Bytes that are not UTF-8 (a foreign writer's) are passed on as a
 * JSON dump of their base64, so the core can dead-letter them, bytes intact, rather than the
 * read loop failing on them.
 */
export function decodeMessage(m: RawNatsMessage): DecodedMessage {
  const key = m.headers?.get(KEY_HEADER) || undefined;
  try {
    return { key, payload: utf8.decode(m.data), malformed: false };
  } catch {
    const base64 = Buffer.from(m.data).toString('base64');
    return { key, payload: JSON.stringify({ notUtf8Base64: base64 }), malformed: true };
  }
}

/** The message a decoded one carries, as delivered from `source` with id `id`. */
export function toIncoming(source: string, id: string, d: DecodedMessage): IncomingMessage {
  return d.key === undefined
    ? { source, id, payload: d.payload }
    : { source, id, key: d.key, payload: d.payload };
}

/** The headers that carry `message.key`, if it has one. */
export function headersOf(modules: NatsModules, message: OutgoingMessage) {
  if (message.key === undefined) return undefined;
  const h = modules.node.headers();
  h.set(KEY_HEADER, message.key);
  return h;
}
