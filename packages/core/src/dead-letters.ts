import { type Clock, systemClock } from './clock.js';
import type { RendezvousError } from './errors.js';
import type { IncomingMessage, Transport } from './transport.js';
import type { DeadLetterRecord } from './wire/dead-letter.js';
import { WIRE_VERSION } from './wire/version.js';

/**
 * Sends messages that cannot be processed to the dead-letter stream and counts them. It never
 * throws: a failure to write the dead letter is counted too (and reported by `send`'s result),
 * so a consumer loop keeps going.
 *
 * @example
 * ```ts
 * const dlq = new DeadLetters(transport, 'dead-letter', 'worker dt@1');
 * await dlq.send(delivery, new InvalidEnvelopeError('bad'));
 * if (await dlq.trySend(delivery, err)) await delivery.ack(); else await delivery.release({ delayMs: 500 });
 * ```
 */
export class DeadLetters {
  private sentCount = 0;
  private failedCount = 0;

  constructor(
    private readonly transport: Transport,
    private readonly stream: string,
    private readonly component: string,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Messages dead-lettered so far (including those whose dead-letter write failed). */
  get count(): number {
    return this.sentCount + this.failedCount;
  }

  /** Dead-letter writes that failed. */
  get failedWrites(): number {
    return this.failedCount;
  }

  /** Writes the dead letter of `message`. Never rejects; a failed write is counted. */
  async send(message: IncomingMessage, reason: RendezvousError): Promise<void> {
    await this.trySend(message, reason);
  }

  /**
   * Like {@link send}, and says whether it worked: `true` once the dead-letter stream has the
   * record, `false` when the write failed (counted in {@link failedWrites}), so the caller can
   * hand the message back instead of acknowledging it and losing it.
   */
  async trySend(message: IncomingMessage, reason: RendezvousError): Promise<boolean> {
    const record: DeadLetterRecord = {
      v: WIRE_VERSION,
      component: this.component,
      source: message.source,
      id: message.id,
      reason: { code: reason.code, message: reason.message },
      payload: message.payload,
      at: this.clock.now(),
    };
    try {
      await this.transport.publish(this.stream, {
        key: message.id,
        payload: JSON.stringify(record),
      });
      this.sentCount++;
      return true;
    } catch {
      this.failedCount++;
      return false;
    }
  }
}
