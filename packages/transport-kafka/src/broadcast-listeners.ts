import type { IncomingMessage } from '@rendezvous-ml/core';
import type { Observable, Subscriber } from 'rxjs';
import type { KafkaContext } from './kafka-context.js';
import { randomId } from './random-id.js';
import { toTransportError } from './to-transport-error.js';
import { TopicReader } from './topic-reader.js';

interface Listener {
  readonly subscribers: Set<Subscriber<IncomingMessage>>;
  reader: TopicReader | undefined;
  starting: Promise<void>;
}

/**
 * The broadcast listeners of one transport. Each channel is a one-partition topic; the
 * subscribers of a channel share one reader in a throwaway group of its own, which starts at
 * the end of the topic and commits nothing (a listener hears what is broadcast while it
 * listens). The reader stops when the last subscriber of its channel leaves.
 *
 * @example
 * ```ts
 * const listeners = new BroadcastListeners(ctx);
 * const sub = listeners.listen('config').subscribe((m) => console.log(m.payload));
 * sub.unsubscribe();
 * ```
 */
export class BroadcastListeners {
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly ctx: KafkaContext) {}

  listen(channel: string): Observable<IncomingMessage> {
    return this.ctx.work.track<IncomingMessage>((subscriber) => {
      let listener = this.listeners.get(channel);
      if (!listener) {
        const created: Listener = {
          subscribers: new Set(),
          reader: undefined,
          starting: Promise.resolve(),
        };
        listener = created;
        this.listeners.set(channel, created);
        const topic = this.ctx.names.broadcast(channel);
        const starting = (async () => {
          const c = await this.ctx.ops.setup(`listen on ${channel}`, async (conn) => {
            await this.ctx.topics.ensureTopic(conn, topic, 1);
            return conn;
          });
          if (this.listeners.get(channel) !== created || this.ctx.work.closed) return;
          created.reader = new TopicReader({
            kafka: c.kafka,
            groupId: this.ctx.names.group(
              `__listen.${this.ctx.names.broadcast(channel)}.${randomId()}`,
            ),
            topic,
            fromBeginning: false,
            commit: false,
            consumerConfig: this.ctx.connector.consumerConfig(),
            evict: this.ctx.connector.evict,
            onMessage: (m) => {
              for (const s of created.subscribers) s.next({ ...m, source: channel });
            },
            log: this.ctx.logger.warn,
          });
          created.reader.start();
        })().catch((e: unknown) => {
          this.ctx.logger.warn(`cannot listen on ${channel}`, e);
          if (this.listeners.get(channel) === created) this.listeners.delete(channel);
          for (const s of created.subscribers) s.error(toTransportError(e, `listen on ${channel}`));
        });
        created.starting = starting;
        this.ctx.work.keep(starting);
      }
      const current = listener;
      current.subscribers.add(subscriber);
      return () => {
        current.subscribers.delete(subscriber);
        if (current.subscribers.size > 0) return;
        if (this.listeners.get(channel) === current) this.listeners.delete(channel);
        const stop = (async () => {
          await current.starting; // a start in progress sees it was removed and starts nothing
          await current.reader?.stop();
        })();
        this.ctx.work.keep(stop);
      };
    });
  }
  /** First step of the transport's close: stops the readers of channels still listened to. */
  stopReaders(): void {
    for (const l of this.listeners.values()) if (l.reader) this.ctx.work.keep(l.reader.stop());
  }

  /** Last step of the transport's close: waits for every reader to stop. */
  async stopAll(): Promise<void> {
    for (const l of this.listeners.values()) await l.reader?.stop();
    this.listeners.clear();
  }
}
