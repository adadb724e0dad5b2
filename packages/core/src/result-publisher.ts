import type { Clock } from './clock.js';
import type { RendezvousResult } from './result.js';
import { type RetryOptions, retryWithBackoff } from './retry.js';
import type { Transport } from './transport.js';
import { encodeEnvelope } from './wire/encode-envelope.js';
import type { Json } from './wire/json.js';
import type { ResultEnvelope } from './wire/result-envelope.js';
import { WIRE_VERSION } from './wire/version.js';

/**
 * Publishes a front end's final results to the results stream (`publishResults`), best effort:
 * a result that cannot be encoded or published (after retries) is counted, never thrown.
 *
 * @example
 * ```ts
 * const publisher = new ResultPublisher(transport, 'results', {}, systemClock);
 * publisher.publish(result);
 * await publisher.drain();
 * ```
 */
export class ResultPublisher {
  /** Results published. */
  published = 0;
  /** Results that could not be published. */
  failures = 0;
  /** Publishes in progress; `drain()` waits for them. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly transport: Transport,
    private readonly stream: string,
    private readonly retry: Omit<RetryOptions, 'until' | 'clock'>,
    private readonly clock: Clock,
  ) {}

  /** Starts publishing one result, keyed by its request id. */
  publish<I = Json, O = Json>(result: RendezvousResult<I, O>): void {
    let payload: string;
    try {
      const envelope: ResultEnvelope<I, O> = { v: WIRE_VERSION, ...result };
      payload = encodeEnvelope(envelope);
    } catch {
      this.failures++;
      return;
    }
    const key = result.requestId;
    const done: Promise<void> = retryWithBackoff(
      () => this.transport.publish(this.stream, { key, payload }),
      { ...this.retry, clock: this.clock },
    ).then(
      () => {
        this.published++;
      },
      () => {
        this.failures++;
      },
    );
    const tracked = done.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves once every publish started so far has ended. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
