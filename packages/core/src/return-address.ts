import type { Subscription } from 'rxjs';
import type { Clock, Timer } from './clock.js';
import { RendezvousError, toRendezvousError } from './errors.js';
import type { IncomingMessage, ReplyChannel, Transport } from './transport.js';

/** Reopen backoff after a lost reply channel: 250 ms, doubling, capped at 10 s. */
const REOPEN_INITIAL_MS = 250;
const REOPEN_MAX_MS = 10_000;

/**
 * A front end's return address: the reply channel its requests name in `replyTo`. A channel
 * whose message stream errors under a running front end (a lost connection, a reply
 * the transport cannot parse) would leave the front end deaf: every request would wait out its
 * deadline with nothing said. Instead the address is marked lost at once, so `request()` fails
 * fast with the cause, and a new channel is opened after a backoff when the failure may pass
 * (requests in flight on the old address still settle by their deadlines).
 *
 * @example
 * ```ts
 * const address = new ReturnAddress(transport, clock, (m) => dispatch(m));
 * await address.open();
 * address.lost ?? publish({ replyTo: address.address });
 * await address.close();
 * ```
 */
export class ReturnAddress {
  private channel: ReplyChannel | undefined;
  private subscription: Subscription | undefined;
  private reopenTimer: Timer | undefined;
  private failures = 0;
  private closed = false;
  /** Why the address cannot take requests now, or `undefined` while it can. */
  lost: RendezvousError | undefined;
  /** Times the channel was lost. */
  losses = 0;

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly onMessage: (message: IncomingMessage) => void,
  ) {}

  /** The address to put in `replyTo`. Only valid after {@link open} resolved. */
  get address(): string {
    return this.channel?.address ?? '';
  }

  /** Opens the channel; rejects (leaving nothing open) if the transport cannot. */
  async open(): Promise<void> {
    const channel = await this.transport.openReplyChannel();
    if (this.closed) {
      await channel.close().catch(() => undefined);
      return;
    }
    this.channel = channel;
    this.lost = undefined;
    const done = (error: RendezvousError): void => {
      if (this.channel === channel) this.onLost(error);
    };
    this.subscription = channel.messages.subscribe({
      next: (m) => this.onMessage(m),
      error: (e: unknown) => done(toRendezvousError(e, 'CONNECTION_LOST', true)),
      // A channel completes when it or its transport is closed: then publishing fails with
      // TransportClosedError by itself, and there is nothing to reopen.
      complete: () => {
        if (this.channel === channel) this.channel = undefined;
      },
    });
  }

  /** Releases the channel and cancels a pending reopen. */
  async close(): Promise<void> {
    this.closed = true;
    this.reopenTimer?.cancel();
    this.subscription?.unsubscribe();
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
  }

  private onLost(cause: RendezvousError): void {
    if (this.closed) return;
    this.losses++;
    this.subscription?.unsubscribe();
    const old = this.channel;
    this.channel = undefined;
    void old?.close().catch(() => undefined);
    const retry = cause.retryable ? 'a new one is being opened' : 'it will not be reopened';
    const message = `the front end's reply channel was lost (${cause.message}); ${retry}`;
    this.lost = new RendezvousError(cause.code, message, { retryable: cause.retryable, cause });
    if (!cause.retryable) return;
    this.failures++;
    const delay = Math.min(REOPEN_MAX_MS, REOPEN_INITIAL_MS * 2 ** Math.min(this.failures - 1, 16));
    this.reopenTimer = this.clock.setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.closed) return;
      this.open().then(
        () => {
          this.failures = 0;
        },
        (error: unknown) => this.onLost(toRendezvousError(error, 'CONNECTION_LOST', true)),
      );
    }, delay);
  }
}
