import { ConfigurationError } from '@rendezvous-ml/core';

const SAFE = /^[A-Za-z0-9-]$/;

/**
 * Encodes a logical name into one NATS subject token that is also a valid stream and consumer
 * name: letters, digits and `-` stay, every other character (`_` included) becomes `_` and four
 * hex digits, so two names never share an encoding.
 */
export function encodeName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (SAFE.test(ch)) out += ch;
    else {
      const code = ch.codePointAt(0) ?? 0;
      out +=
        code > 0xffff
          ? `_u${code.toString(16).padStart(6, '0')}`
          : `_${code.toString(16).padStart(4, '0')}`;
    }
  }
  return out.length > 0 ? out : '_';
}

/**
 * The JetStream stream names, subjects and consumer names of one {@link NatsTransport}, all under
 * its `prefix`:
 * - a stream `<prefix>-s-<name>` on the subject `<prefix>.s.<name>` per logical stream;
 * - one stream `<prefix>-replies` on `<prefix>.r.>` that holds every reply, each on the subject
 *   of its return address `<prefix>.r.<address>` (the reply tap reads them all);
 * - core NATS subjects `<prefix>.b.<channel>` for broadcasts (heartbeats, control).
 */
export class NatsNames {
  readonly repliesStream: string;
  readonly repliesFilter: string;

  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9-]+$/.test(prefix))
      throw new ConfigurationError(
        `prefix must be letters, digits or "-" (a NATS subject token and stream name), got "${prefix}"`,
      );
    this.repliesStream = `${prefix}-replies`;
    this.repliesFilter = `${prefix}.r.>`;
  }

  /** The JetStream stream that holds logical stream `name`. */
  stream(name: string): string {
    return `${this.prefix}-s-${encodeName(name)}`;
  }

  /** The subject messages of logical stream `name` are published on. */
  subject(name: string): string {
    return `${this.prefix}.s.${encodeName(name)}`;
  }

  /** The durable consumer of `group`. */
  consumer(group: string): string {
    return encodeName(group);
  }

  /** The subject replies to `address` are published on. */
  reply(address: string): string {
    return `${this.prefix}.r.${address}`;
  }

  /** The return address a reply subject belongs to. */
  addressOf(subject: string): string {
    const head = `${this.prefix}.r.`;
    return subject.startsWith(head) ? subject.slice(head.length) : subject;
  }

  /** The core NATS subject of broadcast channel `channel`. */
  channel(channel: string): string {
    return `${this.prefix}.b.${encodeName(channel)}`;
  }
}

/** Whether `address` can be a return address of this transport (one subject token). */
export function isReturnAddress(address: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(address);
}
