import type { IncomingMessage, ReplyChannel } from '@rendezvous-ml/core';
import { backoffDelayMs, sleep, type TransportErrors } from '@rendezvous-ml/core/transport';
import type { Redis } from 'ioredis';
import { Observable, Subject } from 'rxjs';
import { READ_BACKOFF } from './read-backoff.js';
import { redisInteger } from './redis-integer.js';
import { decodeStreamEntry, parseReadReply, toIncomingMessage } from './stream-entry.js';

/** What a {@link RedisReplyChannel} needs from its transport. */
export interface ReplyChannelOptions {
  readonly address: string;
  /** The reply stream of `address`, created already. */
  readonly key: string;
  /** A connection of its own, for the blocking reads. */
  readonly reader: Redis;
  readonly blockMs: number;
  readonly errors: Pick<TransportErrors, 'toError' | 'report'>;
  /** Where entries not written by this transport (delivered as JSON dumps) are counted. */
  readonly counts: { malformedEntries: number };
  /** Releases the reader and the address; called once, by `close()`. */
  onClose(): Promise<void>;
}

/**
 * One front end's return address: reads its own reply stream with plain `XREAD BLOCK` from the
 * start of that (new) stream, so no reply is lost between opening the channel and subscribing.
 * The read loop starts with the first subscriber; a retryable failure is reported and retried
 * with a backoff, any other ends `messages` with it.
 */
export class RedisReplyChannel implements ReplyChannel {
  readonly address: string;
  readonly messages: Observable<IncomingMessage>;
  private readonly subject = new Subject<IncomingMessage>();
  private open = true;
  private started = false;

  constructor(private readonly options: ReplyChannelOptions) {
    this.address = options.address;
    this.messages = new Observable<IncomingMessage>((subscriber) => {
      if (!this.open) {
        subscriber.complete();
        return undefined;
      }
      const sub = this.subject.subscribe(subscriber);
      if (!this.started) {
        this.started = true;
        void this.run();
      }
      return sub;
    });
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.subject.complete();
    await this.options.onClose();
  }

  private async run(): Promise<void> {
    const { reader, key, blockMs, errors } = this.options;
    let cursor = '0-0';
    let failures = 0;
    while (this.open) {
      try {
        const reply = await reader.call(
          'XREAD',
          'BLOCK',
          redisInteger(blockMs),
          'STREAMS',
          key,
          cursor,
        );
        failures = 0;
        for (const batch of parseReadReply(reply, 'XREAD')) {
          for (const e of batch.entries) {
            cursor = e.id;
            if (!this.open || e.fields === null) continue;
            const entry = decodeStreamEntry(e.id, e.fields);
            if (entry.malformed) this.options.counts.malformedEntries++;
            this.subject.next(toIncomingMessage(this.address, entry));
          }
        }
      } catch (error) {
        if (!this.open) return;
        const failure = errors.toError(error, 'reply read');
        errors.report(failure);
        if (!failure.retryable) {
          this.subject.error(failure);
          return;
        }
        failures++;
        await sleep(backoffDelayMs(failures, READ_BACKOFF));
      }
    }
  }
}
