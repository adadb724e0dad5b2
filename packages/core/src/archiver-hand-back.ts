import { type BackoffOptions, backoffDelayMs } from './adapter/backoff-delay.js';
import type { ArchiverEvent } from './archiver-options.js';
import type { DeadLetters } from './dead-letters.js';
import { RendezvousError } from './errors.js';
import type { Delivery } from './transport.js';

/**
 * How an archiver settles what it does not archive: a failed batch is released for redelivery
 * after a backoff that grows per consecutive failure, and a delivery past `maxDeliveries` (or a
 * poison record) goes to the dead letter, then is acknowledged. Never rejects. Internal: not
 * exported by the package.
 *
 * @example
 * ```ts
 * const handBack = new ArchiverHandBack(deadLetters, { backoff, maxDeliveries }, emit);
 * const pauseMs = await handBack.batch(unwritten, error); // the sink is probably down
 * await handBack.settled(); // before closing the sinks
 * ```
 */
export class ArchiverHandBack {
  /** Batches handed back, and deliveries released. */
  readonly counters = { failedBatches: 0, released: 0 };
  private consecutiveFailures = 0;
  /** Dead-letter writes (and their acks) in flight. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deadLetters: DeadLetters,
    private readonly limits: {
      readonly backoff: Required<BackoffOptions>;
      readonly maxDeliveries: number;
    },
    private readonly emit: (event: ArchiverEvent) => void,
  ) {}

  /** Dead-letters `delivery` and returns true if it was delivered more than `maxDeliveries`. */
  overLimit(delivery: Delivery): boolean {
    const { maxDeliveries } = this.limits;
    if (delivery.deliveryCount <= maxDeliveries) return false;
    const why = `delivered ${delivery.deliveryCount} times (maxDeliveries ${maxDeliveries}) without being archived`;
    this.deadLetter(delivery, new RendezvousError('REDELIVERY_LIMIT', why));
    return true;
  }

  /** A batch was written: the next failure starts the backoff over. */
  written(): void {
    this.consecutiveFailures = 0;
  }

  /**
   * Gives a failed batch back to the transport for a redelivery after a backoff, and resolves
   * with that backoff, for which the archiver pauses writing: the sink is probably down.
   * Deliveries at `maxDeliveries` go to the dead letter instead.
   */
  async batch(items: readonly { delivery: Delivery }[], error: RendezvousError): Promise<number> {
    if (items.length === 0) return 0;
    const delay = backoffDelayMs(++this.consecutiveFailures, this.limits.backoff);
    this.counters.failedBatches++;
    this.emit({ type: 'write-failed', records: items.length, error, retryInMs: delay });
    const back: Promise<void>[] = [];
    for (const { delivery } of items) {
      if (delivery.deliveryCount >= this.limits.maxDeliveries) {
        const why = `not archived after ${delivery.deliveryCount} deliveries: ${error.message}`;
        this.deadLetter(delivery, new RendezvousError('REDELIVERY_LIMIT', why, { cause: error }));
      } else {
        back.push(this.release(delivery, delay));
      }
    }
    await Promise.all(back);
    return delay;
  }

  /** Hands `delivery` back for a redelivery in `delayMs`. */
  release(delivery: Delivery, delayMs: number): Promise<void> {
    this.counters.released++;
    return delivery.release({ delayMs }).catch(() => undefined);
  }

  /** Dead-letters and then acknowledges; a failed dead-letter write hands the message back. */
  deadLetter(delivery: Delivery, error: RendezvousError): void {
    this.emit({ type: 'dead-lettered', id: delivery.id, error });
    const settled = this.deadLetters
      .trySend(delivery, error)
      .then((sent) =>
        sent ? delivery.ack() : delivery.release({ delayMs: this.limits.backoff.initialMs }),
      )
      .catch(() => undefined) // the transport is closed: it redelivers what was not acked
      .finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }

  /** Resolves when no dead-letter write is in flight, those started meanwhile included. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
