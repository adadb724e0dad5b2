import { REPLY_TAP } from '@rendezvous-ml/core';

const LEGAL = /^[a-zA-Z0-9._-]+$/;

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/**
 * How logical names map onto Kafka topics and consumer groups. Streams become
 * `<prefix><stream>`, broadcast channels `<prefix>__broadcast.<channel>`, return addresses
 * `<prefix>__reply.<instance>` and groups `<prefix><group>`. Names with characters Kafka does
 * not allow are sanitised and suffixed with a hash, so two names never collide.
 *
 * @example
 * ```ts
 * new TopicNames('rendezvous.').stream('requests'); // 'rendezvous.requests'
 * ```
 */
export class TopicNames {
  constructor(readonly prefix: string) {}

  /** The topic of a stream. */
  stream(stream: string): string {
    if (stream === REPLY_TAP) throw new Error('the reply tap has no single topic');
    const safe = this.safe(stream);
    return `${this.prefix}${safe.startsWith('__') ? `s${safe}` : safe}`;
  }

  /** The topic of a broadcast channel. */
  broadcast(channel: string): string {
    return `${this.prefix}__broadcast.${this.safe(channel)}`;
  }

  /** The topic that is the return address of instance `instanceId`. */
  reply(instanceId: string): string {
    return `${this.replyPrefix}${this.safe(instanceId)}`;
  }

  /** Every reply topic starts with this. */
  get replyPrefix(): string {
    return `${this.prefix}__reply.`;
  }

  /** Whether `topic` is a return address created by this naming. */
  isReply(topic: string): boolean {
    return topic.startsWith(this.replyPrefix);
  }

  /** The Kafka consumer group id of a logical group. */
  group(group: string): string {
    return `${this.prefix}${group}`;
  }

  private safe(name: string): string {
    if (LEGAL.test(name) && name.length <= 180) return name;
    return `${name.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 160)}.${hash(name)}`;
  }
}
