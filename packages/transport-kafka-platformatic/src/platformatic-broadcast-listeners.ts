import type { IncomingMessage } from '@rendezvous-ml/core';
import { randomId } from '@rendezvous-ml/transport-kafka/kit';
import type { Observable, Subscriber } from 'rxjs';
import type { PlatformaticContext } from './platformatic-context.js';
import type { PlatformaticTopicReader } from './platformatic-topic-reader.js';
import { toPlatformaticError } from './to-platformatic-error.js';

interface Channel {
  readonly subscribers: Set<Subscriber<IncomingMessage>>;
  reader?: PlatformaticTopicReader;
  ready: Promise<void>;
}

/**
 * The broadcast listeners of one transport, as in the kafkajs transport: each channel is a
 * one-partition topic; the subscribers of a channel share one reader in a throwaway group,
 * which starts at the end and commits nothing, and stops when the last subscriber leaves.
 *
 * @example
 * ```ts
 * const listeners = new PlatformaticBroadcastListeners(ctx);
 * const sub = listeners.listen('config').subscribe((m) => console.log(m.payload));
 * ```
 */
export class PlatformaticBroadcastListeners {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly ctx: PlatformaticContext) {}

  listen(name: string): Observable<IncomingMessage> {
    const { ctx } = this;
    return ctx.work.track<IncomingMessage>((subscriber) => {
      const channel = this.channels.get(name) ?? this.openChannel(name);
      channel.subscribers.add(subscriber);
      return () => {
        channel.subscribers.delete(subscriber);
        if (channel.subscribers.size > 0) return;
        if (this.channels.get(name) === channel) this.channels.delete(name);
        // A start in progress sees the channel was removed and starts nothing.
        ctx.work.keep(channel.ready.then(() => channel.reader?.stop()));
      };
    });
  }

  /** First step of the transport's close: stops the readers of channels still listened to. */
  stopReaders(): void {
    for (const c of this.channels.values()) if (c.reader) this.ctx.work.keep(c.reader.stop());
  }

  /** Last step of the transport's close: waits for every reader to stop. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.reader?.stop()));
    this.channels.clear();
  }

  private openChannel(name: string): Channel {
    const { ctx } = this;
    const channel: Channel = { subscribers: new Set(), ready: Promise.resolve() };
    this.channels.set(name, channel);
    const topic = ctx.names.broadcast(name);
    const live = () => this.channels.get(name) === channel && !ctx.work.closed;
    channel.ready = ctx.ops
      .setup(`listen on ${name}`, async (c) => {
        await ctx.topics.ensureTopic(c.admin, topic, 1);
        return c;
      })
      .then((c) => {
        if (!live()) return;
        channel.reader = ctx.reader(c, {
          groupId: ctx.names.group(`__listen.${topic}.${randomId()}`),
          topic,
          fromBeginning: false,
          commit: false,
          onMessage: (m) => {
            for (const s of channel.subscribers) s.next({ ...m, source: name });
          },
        });
        channel.reader.start();
      })
      .catch((e: unknown) => {
        ctx.warn(`cannot listen on ${name}`, e);
        if (this.channels.get(name) === channel) this.channels.delete(name);
        const error = toPlatformaticError(e, `listen on ${name}`);
        for (const s of channel.subscribers) s.error(error);
      });
    ctx.work.keep(channel.ready);
    return channel;
  }
}
