import { type IncomingMessage, type ReplyChannel, TransportClosedError } from '@rendezvous-ml/core';
import type { Subscriber } from 'rxjs';
import type { KafkaContext } from './kafka-context.js';
import { randomId } from './random-id.js';
import type { ReplyTap } from './reply-tap.js';
import { TopicReader } from './topic-reader.js';

/**
 * The return addresses of one transport: each is a one-partition reply topic of its own
 * (`<prefix>__reply.<id>`), read only by the instance that opened it, through a reader in a
 * group of its own that commits what it read (so a reader rebuilt after a crash resumes).
 * The first is named after `instanceId`, the next `<instanceId>-1`, and so on.
 *
 * @example
 * ```ts
 * const channels = new ReplyChannels(ctx, 'frontend-1', tap);
 * const channel = await channels.open();
 * channel.messages.subscribe((m) => console.log(m.payload));
 * await channel.close();
 * ```
 */
export class ReplyChannels {
  private seq = 0;
  private readonly readers = new Set<TopicReader>();

  constructor(
    private readonly ctx: KafkaContext,
    private readonly instanceId: string,
    private readonly tap: ReplyTap,
  ) {}

  async open(): Promise<ReplyChannel> {
    const { ctx } = this;
    if (ctx.work.closed) throw new TransportClosedError();
    // Named once, outside the retries: a retry must not move a stable `instanceId` to `<id>-1`.
    const n = this.seq++;
    const id = n === 0 ? this.instanceId : `${this.instanceId}-${n}`;
    const address = ctx.names.reply(id);
    return ctx.ops.setup('openReplyChannel', async (c) => {
      const created = await ctx.topics.ensureTopic(c, address, 1);
      const groupId = ctx.names.group(`__reply-reader.${id}.${randomId()}`);
      if (!created) await ctx.topics.positionAtEnd(c, groupId, address);
      const subscribers = new Set<Subscriber<IncomingMessage>>();
      const reader = new TopicReader({
        kafka: c.kafka,
        groupId,
        topic: address,
        fromBeginning: true,
        commit: true,
        consumerConfig: ctx.connector.consumerConfig(),
        evict: ctx.connector.evict,
        onMessage: (m) => {
          for (const s of subscribers) s.next(m);
        },
        log: ctx.logger.warn,
      });
      this.readers.add(reader);
      reader.start();
      this.tap.refresh();
      let closedChannel = false;
      const release = async (): Promise<void> => {
        this.readers.delete(reader);
        await reader.stop();
        await c.admin.deleteGroups([groupId]).catch(() => undefined);
      };
      return {
        address,
        messages: ctx.work.track<IncomingMessage>((subscriber) => {
          if (closedChannel) {
            subscriber.complete();
            return () => undefined;
          }
          subscribers.add(subscriber);
          return () => subscribers.delete(subscriber);
        }),
        close: async () => {
          if (closedChannel) return;
          closedChannel = true;
          for (const s of [...subscribers]) s.complete();
          const done = release();
          ctx.work.keep(done);
          await done;
        },
      };
    });
  }

  /** First step of the transport's close: stops every reader still open, in the background. */
  stopReaders(): void {
    for (const r of [...this.readers]) this.ctx.work.keep(r.stop());
  }
}
