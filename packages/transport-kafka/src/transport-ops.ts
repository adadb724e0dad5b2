import {
  ConnectionLostError,
  type RendezvousError,
  retryWithBackoff,
  systemClock,
  TransportClosedError,
} from '@rendezvous-ml/core';
import type { KafkaConnection } from './kafka-connector.js';
import type { KafkaTransportOptions } from './kafka-transport-options.js';
import { toTransportError } from './to-transport-error.js';

/**
 * Runs the transport's broker operations on the connection, retrying transient failures (see
 * `toTransportError`) with backoff within a bound, then failing with the typed error of the
 * last attempt (`TransportClosedError` once the transport is closed). Generic over the
 * connection, so another Kafka client's transport runs its own through it (with its own
 * reading of errors, `toError`).
 *
 * @example
 * ```ts
 * const ops = new TransportOps(connector, () => closed, options);
 * await ops.setup('ensureGroup g on requests', (c) => c.admin.listTopics());
 * ```
 */
export class TransportOps<C = KafkaConnection> {
  constructor(
    private readonly connector: { connect(): Promise<C> },
    private readonly isClosed: () => boolean,
    private readonly options: Pick<KafkaTransportOptions, 'setupTimeoutMs' | 'sendTimeoutMs'>,
    private readonly toError: (error: unknown, what: string) => RendezvousError = toTransportError,
  ) {}

  /** For set-up steps (topics, group positions), which wait out transient broker states. */
  setup<T>(what: string, fn: (c: C) => Promise<T>): Promise<T> {
    return this.run(what, fn, Date.now() + (this.options.setupTimeoutMs ?? 30_000));
  }

  /**
   * For publish, reply and broadcast, bounded by `sendTimeoutMs`: kafkajs nests the
   * client's connection retries inside the producer's, so with the broker down a send can take
   * well over 10 s to fail. Past the bound it rejects with a retryable `ConnectionLostError`
   * (the send may still complete later; the core treats that as an at-least-once duplicate).
   */
  send(what: string, fn: (c: C) => Promise<unknown>): Promise<void> {
    const limit = this.options.sendTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ConnectionLostError(`kafka: ${what} failed: no answer within ${limit} ms`)),
        limit,
      );
      timer.unref?.();
    });
    const work = this.run(what, fn, Date.now() + limit);
    work.catch(() => undefined);
    return Promise.race([work, expired]).then(
      () => clearTimeout(timer),
      (error: unknown) => {
        clearTimeout(timer);
        throw error;
      },
    );
  }

  /** Runs `fn` on the connection, retrying transient failures until `untilMs` (epoch ms). */
  private async run<T>(what: string, fn: (c: C) => Promise<T>, untilMs: number): Promise<T> {
    if (this.isClosed()) throw new TransportClosedError();
    try {
      return await retryWithBackoff(async () => fn(await this.connector.connect()), {
        attempts: Number.POSITIVE_INFINITY,
        initialDelayMs: 100,
        maxDelayMs: 1000,
        until: untilMs,
        clock: systemClock, // retry waits keep the process alive while a start is in progress
        isRetryable: (e) => !this.isClosed() && this.toError(e, what).retryable,
      });
    } catch (error) {
      if (this.isClosed()) throw new TransportClosedError(undefined, { cause: error });
      throw this.toError(error, what);
    }
  }
}
