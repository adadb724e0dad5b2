import type { ConsumerMessages } from '@nats-io/jetstream';
import type { IncomingMessage, ReplyChannel } from '@rendezvous-ml/core';
import { backoffDelayMs, sleep, type TransportErrors } from '@rendezvous-ml/core/transport';
import { type Observable, Subject, type Subscription } from 'rxjs';
import { decodeMessage, toIncoming } from './nats-message.js';
import type { NatsLink } from './nats-session.js';
import { READ_BACKOFF } from './read-backoff.js';

/** What a {@link NatsReplyChannel} reads, and how it reports. */
export interface NatsReplyChannelOptions {
  readonly address: string;
  readonly link: NatsLink;
  readonly stream: string;
  readonly subject: string;
  /** The replies stream's last sequence when the channel opened: it reads every later reply. */
  readonly afterSeq: number;
  readonly errors: Pick<TransportErrors, 'reportRaw'>;
  readonly counts: { malformedMessages: number };
  /** Emits when the connection is back after a loss. */
  readonly reconnects: Observable<void>;
  readonly onClose: () => void;
}

/**
 * The return address of one front end: an ordered consumer on the replies stream, filtered on
 * the address's subject, starting after the stream's last sequence at open. An ordered consumer
 * lives in the server's memory: when the connection comes back (the server may have restarted
 * and lost it), the channel creates it again at once after the last sequence it read, rather
 * than wait for missed heartbeats. A reply stored while the front end is alive is read, even
 * across a server restart.
 */
export class NatsReplyChannel implements ReplyChannel {
  readonly address: string;
  readonly messages;
  private readonly subject = new Subject<IncomingMessage>();
  private iterator: ConsumerMessages | undefined;
  private closed = false;
  private lastSeq: number;
  private readonly watch: Subscription;

  constructor(private readonly options: NatsReplyChannelOptions) {
    this.address = options.address;
    this.messages = this.subject.asObservable();
    this.lastSeq = options.afterSeq;
    this.watch = options.reconnects.subscribe(() => {
      const it = this.iterator;
      this.iterator = undefined;
      void it?.close().catch(() => undefined);
    });
  }

  start(): void {
    void this.run();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.unsubscribe();
    const it = this.iterator;
    this.iterator = undefined;
    await it?.close().catch(() => undefined);
    this.subject.complete();
    this.options.onClose();
  }

  private async run(): Promise<void> {
    const { link, stream, subject, errors, counts } = this.options;
    const { DeliverPolicy } = link.modules.jetstream;
    let failures = 0;
    while (!this.closed) {
      try {
        const consumer = await link.js.consumers.get(stream, {
          filter_subjects: subject,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.lastSeq + 1,
        });
        if (this.closed) return;
        // Heartbeats every `expires / 2`: a consumer lost without a reconnect is noticed too.
        const it = await consumer.consume({ max_messages: 256, expires: 5000 });
        this.iterator = it;
        if (this.closed) {
          await it.close().catch(() => undefined);
          return;
        }
        for await (const m of it) {
          this.lastSeq = m.seq;
          failures = 0;
          const decoded = decodeMessage(m);
          if (decoded.malformed) counts.malformedMessages++;
          this.subject.next(toIncoming(this.address, String(m.seq), decoded));
        }
      } catch (error) {
        if (this.closed) return;
        errors.reportRaw(error, 'reply channel read');
      }
      if (this.closed) return;
      failures++;
      await sleep(backoffDelayMs(failures, READ_BACKOFF));
    }
  }
}
