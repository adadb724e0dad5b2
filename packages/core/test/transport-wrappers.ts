/**
 * Transports that misbehave in one controlled way, for the front end's lifecycle and discovery
 * tests. Each one delegates everything else to a real (memory) transport: nothing is mocked.
 */
import {
  ConnectionLostError,
  type IncomingMessage,
  type ReplyChannel,
  type Transport,
  type VirtualClock,
} from '@rendezvous-ml/core';
import { DelegatingTransport } from '@rendezvous-ml/test-kit';
import { Observable, type Subscription } from 'rxjs';

export { DelegatingTransport };

/** The broker is "not up yet": the first `failures` calls to `openReplyChannel` reject. */
export class BrokerDownAtFirst extends DelegatingTransport {
  opened = 0;
  constructor(
    inner: Transport,
    private failures: number,
  ) {
    super(inner);
  }
  override async openReplyChannel(): Promise<ReplyChannel> {
    if (this.failures > 0) {
      this.failures--;
      throw new ConnectionLostError('connect ECONNREFUSED 127.0.0.1:6379');
    }
    this.opened++;
    return this.inner.openReplyChannel();
  }
}

/** `openReplyChannel` waits until `open()` is called (a slow connect). */
export class SlowConnect extends DelegatingTransport {
  opened = 0;
  private gate: (() => void) | undefined;
  override async openReplyChannel(): Promise<ReplyChannel> {
    await new Promise<void>((resolve) => (this.gate = resolve));
    this.opened++;
    return this.inner.openReplyChannel();
  }
  open(): void {
    this.gate?.();
  }
}

/**
 * A `listen` subscription that becomes active only `delayMs` of virtual time after it was made
 * (a Redis SUBSCRIBE that has not been confirmed yet): broadcasts sent before are not heard.
 */
export class LateListen extends DelegatingTransport {
  constructor(
    inner: Transport,
    private readonly clock: VirtualClock,
    private readonly delayMs: number,
  ) {
    super(inner);
  }
  override listen(channel: string): Observable<IncomingMessage> {
    return new Observable<IncomingMessage>((subscriber) => {
      let active: Subscription | undefined;
      const timer = this.clock.setTimeout(() => {
        active = this.inner.listen(channel).subscribe(subscriber);
      }, this.delayMs);
      return () => {
        timer.cancel();
        active?.unsubscribe();
      };
    });
  }
}

/** Reply channels whose message stream can be ended with an error, as a lost connection does. */
export class BreakableReplies extends DelegatingTransport {
  opened = 0;
  private breakers: ((error: Error) => void)[] = [];
  override async openReplyChannel(): Promise<ReplyChannel> {
    const channel = await this.inner.openReplyChannel();
    this.opened++;
    const messages = new Observable<IncomingMessage>((subscriber) => {
      this.breakers.push((error) => subscriber.error(error));
      return channel.messages.subscribe(subscriber);
    });
    return { address: channel.address, messages, close: () => channel.close() };
  }
  /** Ends every open reply channel's stream with `error`. */
  breakAll(error: Error): void {
    for (const b of this.breakers.splice(0)) b(error);
  }
}
