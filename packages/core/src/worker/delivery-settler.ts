import type { Clock } from '../clock.js';
import { RendezvousError, toRendezvousError } from '../errors.js';
import { type RetryOptions, retryWithBackoff } from '../retry.js';
import type { Delivery } from '../transport.js';
import type { RequestEnvelope } from '../wire/request.js';
import type { WorkerEvent } from './worker-event.js';

/**
 * Ends deliveries for a worker, and never rejects: `ack` retries like a reply and, if the ack
 * keeps failing, hands the delivery back; `release` hands it back and reports a failure. Either
 * way the delivery (and its prefetch credit) is not held for ever by a member that is alive.
 *
 * @example
 * ```ts
 * const settler = new DeliverySettler(clock, { attempts: 3 }, (e) => log.warn(e));
 * await settler.ack(delivery);
 * await settler.release(delivery, settler.backoff(delivery.deliveryCount).delayMs);
 * ```
 */
export class DeliverySettler {
  /** Built once: an ack that succeeds at once costs no options object and no async frame. */
  private readonly ackRetry: RetryOptions;

  constructor(
    private readonly clock: Clock,
    private readonly retry: Omit<RetryOptions, 'clock'>,
    private readonly onError: (error: unknown) => void,
  ) {
    this.ackRetry = { clock: this.clock, ...this.retry };
  }

  ack(delivery: Delivery): Promise<void> {
    return retryWithBackoff(() => delivery.ack(), this.ackRetry).catch((error: unknown) => {
      this.onError(error);
      return this.release(delivery, 0);
    });
  }

  async release(delivery: Delivery, delayMs: number): Promise<void> {
    try {
      await delivery.release({ delayMs });
    } catch (error) {
      this.onError(error); // the transport is gone: it redelivers on reconnect, or never
    }
  }

  /**
   * Backoff of a redelivery: `initialDelayMs × 2^deliveryCount`, at most `maxDelayMs`
   * (`backoffMs`), and the same with jitter (`delayMs`, between half and all of it).
   */
  backoff(deliveryCount: number): { backoffMs: number; delayMs: number } {
    const initial = this.retry.initialDelayMs ?? 50;
    const backoffMs = Math.min(this.retry.maxDelayMs ?? 2000, initial * 2 ** deliveryCount);
    return { backoffMs, delayMs: backoffMs * (0.5 + Math.random() / 2) };
  }

  /**
   * A score that could not be sent after `replyRetry`: handed back with a backoff (counted as
   * `replyFailures`), unless the redelivery would come after the deadline (a score can never
   * help then): acknowledged and counted as `expiredUnsent`.
   */
  async unsent(
    delivery: Delivery,
    request: RequestEnvelope,
    error: unknown,
    on: {
      readonly event: (event: WorkerEvent) => void;
      readonly count: (counter: 'expiredUnsent' | 'replyFailures') => void;
    },
  ): Promise<void> {
    const cause = toRendezvousError(error, 'CONNECTION_LOST', true);
    const { backoffMs, delayMs } = this.backoff(delivery.deliveryCount);
    const what = `the score for '${request.id}' could not be sent (${cause.message})`;
    if (this.clock.now() + backoffMs >= request.deadline) {
      on.count('expiredUnsent');
      on.event({ type: 'expired', requestId: request.id, stage: 'reply' });
      const message = `${what} before its deadline; acknowledged without a reply`;
      on.event({ type: 'error', error: new RendezvousError(cause.code, message, { cause }) });
      return this.ack(delivery);
    }
    on.count('replyFailures');
    const message = `${what}; handed back for redelivery in ${Math.round(delayMs)} ms`;
    const retryable = new RendezvousError(cause.code, message, { retryable: true, cause });
    on.event({ type: 'error', error: retryable });
    await this.release(delivery, delayMs);
  }

  /** Reply retries of a request: never past its deadline. */
  replyRetry(deadline: number): RetryOptions {
    const until = Math.min(deadline, this.retry.until ?? Number.POSITIVE_INFINITY);
    return { clock: this.clock, ...this.retry, until };
  }
}
