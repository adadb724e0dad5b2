import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Clock, Delivery, ReleaseOptions, RendezvousError } from '@rendezvous-ml/core';
import {
  backoffDelayMs,
  settleWithin,
  type TransportErrors,
  WakeablePause,
} from '@rendezvous-ml/core/transport';
import type { Subscriber } from 'rxjs';
import { isNotFound } from './jetstream-topology.js';
import { decodeMessage, toIncoming } from './nats-message.js';
import { READ_BACKOFF } from './read-backoff.js';

/** What a {@link PullMember} needs from its transport. */
export interface PullMemberOptions {
  /** Finds (creating it if needed) the group's durable consumer; `again` after it was lost. */
  readonly consumer: (again: boolean) => Promise<Consumer>;
  /** The `source` of a delivery read on `subject`. */
  readonly sourceOf: (subject: string) => string;
  readonly prefetch: number;
  readonly fetchExpiresMs: number;
  readonly ackWaitMs: number;
  readonly apiTimeoutMs: number;
  /** A request on the connection, answered by the server (a confirmed nak). */
  readonly request: (subject: string, payload: string) => Promise<unknown>;
  /** Sends what is buffered to the server (naks when leaving). */
  readonly flush: () => Promise<void>;
  readonly errors: Pick<TransportErrors, 'toError' | 'report' | 'wrap'>;
  /** Where messages that were not UTF-8 are counted. */
  readonly counts: { malformedMessages: number };
  /** The clock of its waits (backoff, credits, the bounded hand-back). Default: the system's. */
  readonly clock?: Clock;
}

/** The body of a nak that the server delivers again after `delayMs` (at once for 0). */
function nakPayload(delayMs: number): string {
  return delayMs > 0 ? `-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}` : '-NAK';
}

/**
 * The ack subject of `m` (`$JS.ACK...`). The client's message class has it, its `JsMsg`
 * interface does not declare it.
 */
function replyOf(m: JsMsg): string | undefined {
  const reply = (m as unknown as { reply?: unknown }).reply;
  return typeof reply === 'string' && reply.length > 0 ? reply : undefined;
}

/**
 * One member of a group: the pull loop behind one `consume` subscription. The members of a
 * group share the group's one durable pull consumer; each pulls (`fetch`) at most as many
 * messages as it has credits (`prefetch` minus what it holds and what its open pull requests
 * may still bring), so it never holds more than `prefetch`. Acks are confirmed by the server (`ackAck`); a release is a `nak` with its delay.
 * While it holds a delivery it tells the server it is still working on it (`working()` every
 * `ackWaitMs / 3`), so only the deliveries of a member that died come back after `ack_wait`;
 * a member that leaves naks what it holds, which the server delivers again at once.
 */
export class PullMember {
  private readonly held = new Set<JsMsg>();
  private stopped = false;
  /** Open pull requests, and how many messages they may still bring. */
  private readonly batches = new Set<ConsumerMessages>();
  private outstanding = 0;
  private batchError: unknown;
  private consumer: Consumer | undefined;
  private readonly sleeper: WakeablePause;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly options: PullMemberOptions,
    private readonly subscriber: Subscriber<Delivery>,
  ) {
    this.sleeper = new WakeablePause(options.clock);
    this.keepAlive = setInterval(
      () => {
        for (const m of this.held) m.working();
      },
      Math.max(100, Math.floor(options.ackWaitMs / 3)),
    );
    this.keepAlive.unref();
  }

  start(): void {
    void this.run();
  }

  /**
   * Stops pulling and hands every delivery it holds back to the group (nak, no delay). The pull
   * request is withdrawn first: its inbox is unsubscribed and flushed, then a consumer info
   * request makes the server drop waiting pull requests nobody listens to any more. Without it
   * the server hands the first nak'd message straight back to this member's dead request, where
   * it would wait out `ack_wait`.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.keepAlive);
    this.signal();
    const batches = [...this.batches];
    const handBack = async (): Promise<void> => {
      await Promise.all(batches.map((b) => b.close().catch(() => undefined)));
      await this.options.flush().catch(() => undefined);
      if (this.held.size > 0) await this.consumer?.info(false).catch(() => undefined);
      for (const m of this.held) m.nak();
      this.held.clear();
      await this.options.flush().catch(() => undefined);
    };
    await settleWithin(handBack(), 2000, this.options.clock);
  }

  private signal(): void {
    this.sleeper.wake();
  }

  /** Waits until an ack or release frees a credit, `ms` pass (if given), or the member stops. */
  private pause(ms?: number): Promise<void> {
    return this.sleeper.pause(ms);
  }

  /** Deliveries this member may still ask for: `prefetch` minus what it holds or awaits. */
  private get credits(): number {
    return this.options.prefetch - this.held.size - this.outstanding;
  }

  /**
   * The pull loop. It keeps pull requests overlapping: as soon as acks free a quarter of
   * `prefetch` (or no request is open), it asks for that many more, without waiting for the open
   * request to fill or expire, so a busy member never waits a round trip for its next message.
   * What it holds plus what it asked for never exceeds `prefetch`.
   */
  private async run(): Promise<void> {
    const { options } = this;
    const step = Math.max(1, Math.floor(options.prefetch / 4));
    let lost = false;
    let failures = 0;
    while (!this.stopped) {
      try {
        const failed = this.batchError;
        this.batchError = undefined;
        if (failed !== undefined) throw failed;
        if (this.credits <= 0 || (this.batches.size > 0 && this.credits < step)) {
          await this.pause();
          continue;
        }
        this.consumer ??= await options.consumer(lost);
        lost = false;
        if (this.stopped) break;
        const wanted = this.credits;
        const batch = await this.consumer.fetch({
          max_messages: wanted,
          expires: options.fetchExpiresMs,
        });
        if (this.stopped) {
          await batch.close().catch(() => undefined);
          break;
        }
        this.drain(batch, wanted);
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (isNotFound(error)) {
          // The server lost the consumer (or its stream): create it again and go on.
          this.consumer = undefined;
          lost = true;
        }
        const failure = options.errors.toError(error, 'read');
        if (!lost) options.errors.report(failure);
        if (!lost && !failure.retryable) {
          this.fail(failure);
          break;
        }
        failures++;
        await this.pause(backoffDelayMs(failures, READ_BACKOFF));
      }
    }
  }

  /** Reads one pull request's messages in the background; its end wakes the loop. */
  private drain(batch: ConsumerMessages, wanted: number): void {
    this.batches.add(batch);
    this.outstanding += wanted;
    let received = 0;
    void (async () => {
      try {
        for await (const m of batch) {
          if (received < wanted) {
            received++;
            this.outstanding--;
          }
          if (this.stopped) {
            m.nak();
            continue;
          }
          this.deliver(m);
        }
      } catch (error) {
        if (!this.stopped) this.batchError = error;
      } finally {
        this.outstanding -= wanted - received;
        this.batches.delete(batch);
        this.signal();
      }
    })();
  }

  /** Ends the subscription with a failure retrying cannot fix (it was already reported). */
  private fail(error: RendezvousError): void {
    void this.stop();
    this.subscriber.error(error);
  }

  private deliver(m: JsMsg): void {
    const { options } = this;
    const decoded = decodeMessage(m);
    if (decoded.malformed) options.counts.malformedMessages++;
    // After the member left (it nak'd what it held), an ack still goes to the server: the work
    // is done, and the server drops the message if it was not delivered again yet.
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const free = (): void => {
      if (this.held.delete(m)) this.signal();
    };
    const delivery: Delivery = {
      ...toIncoming(options.sourceOf(m.subject), String(m.seq), decoded),
      deliveryCount: m.info.deliveryCount,
      ack: async () => {
        if (!settle()) return;
        free();
        await options.errors.wrap('ack', () => m.ackAck({ timeout: options.apiTimeoutMs }));
      },
      release: async (release?: ReleaseOptions) => {
        if (!settle()) return;
        // The nak is a request the server confirms, and the credit comes back only then: the
        // server queues acks and pull requests apart, so an unconfirmed nak could be overtaken
        // by this member's next pull, which would get the next message before the released one.
        const delayMs = Math.max(0, Math.ceil(release?.delayMs ?? 0));
        try {
          await options.errors.wrap('release', async () => {
            const reply = replyOf(m);
            if (reply) await options.request(reply, nakPayload(delayMs));
            else m.nak(delayMs > 0 ? delayMs : undefined);
          });
        } finally {
          free();
        }
      },
    };
    this.held.add(m);
    this.subscriber.next(delivery);
  }
}
