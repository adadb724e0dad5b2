import { type IncomingMessage, type ReplyChannel, TransportClosedError } from '@rendezvous-ml/core';
import { randomId } from '@rendezvous-ml/transport-kafka/kit';
import type { Subscriber } from 'rxjs';
import type { PlatformaticContext } from './platformatic-context.js';
import type { PlatformaticTopicReader } from './platformatic-topic-reader.js';

/**
 * The return addresses of one transport, as in the kafkajs transport: each a one-partition
 * reply topic of its own (`<prefix>__reply.<id>`), read only by the instance that opened it,
 * through a reader in a group of its own that commits what it read. The first is named after
 * `instanceId`, the next `<instanceId>-1`, and so on. `onOpened` runs after each (the reply tap
 * looks for the new topic at once).
 *
 * @example
 * ```ts
 * const channels = new PlatformaticReplyChannels(ctx, 'frontend-1', () => tap.refresh());
 * const channel = await channels.open();
 * await channel.close();
 * ```
 */
export class PlatformaticReplyChannels {
  private opened = 0;
  private readonly open = new Set<PlatformaticTopicReader>();

  constructor(
    private readonly ctx: PlatformaticContext,
    private readonly instanceId: string,
    private readonly onOpened: () => void,
  ) {}

  async openChannel(): Promise<ReplyChannel> {
    const { ctx } = this;
    if (ctx.work.closed) throw new TransportClosedError();
    // Named once, outside the retries: a retry must not move a stable `instanceId` to `<id>-1`.
    const n = this.opened++;
    const id = n > 0 ? `${this.instanceId}-${n}` : this.instanceId;
    const address = ctx.names.reply(id);
    return ctx.ops.setup('openReplyChannel', async (c) => {
      const fresh = await ctx.topics.ensureTopic(c.admin, address, 1);
      const groupId = ctx.names.group(`__reply-reader.${id}.${randomId()}`);
      if (!fresh) await ctx.topics.positionAtEnd(c.admin, groupId, address);
      const listeners = new Set<Subscriber<IncomingMessage>>();
      const reader = ctx.reader(c, {
        groupId,
        topic: address,
        fromBeginning: true,
        commit: true,
        onMessage: (m) => {
          for (const s of listeners) s.next(m);
        },
      });
      this.open.add(reader);
      reader.start();
      this.onOpened();
      let done: Promise<void> | undefined;
      return {
        address,
        messages: ctx.work.track<IncomingMessage>((subscriber) => {
          if (done) subscriber.complete();
          else listeners.add(subscriber);
          return () => listeners.delete(subscriber);
        }),
        close: () => {
          done ??= (async () => {
            for (const s of [...listeners]) s.complete();
            this.open.delete(reader);
            await reader.stop();
            await c.admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
          })();
          ctx.work.keep(done);
          return done;
        },
      };
    });
  }

  /** First step of the transport's close: stops every reader still open, in the background. */
  stopReaders(): void {
    for (const reader of [...this.open]) this.ctx.work.keep(reader.stop());
  }
}
