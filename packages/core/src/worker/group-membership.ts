import type { Subscription } from 'rxjs';
import type { Clock, Timer } from '../clock.js';
import { RendezvousError, TransportClosedError, toRendezvousError } from '../errors.js';
import type { ConsumeOptions, Delivery, Transport } from '../transport.js';
import type { WorkerHeartbeats } from './worker-heartbeats.js';

/** Rejoin backoff after a lost consumer: 500 ms, doubling, capped at 30 s. */
const REJOIN_INITIAL_MS = 500;
const REJOIN_MAX_MS = 30_000;

/**
 * A worker's membership of its consumer group: the consume subscription and the heartbeats that
 * announce it, kept together so that a worker never says it is alive while it receives nothing.
 * When the consume stream errors or completes under a running worker (a connection lost, a reply
 * the transport cannot parse, the transport closed), the membership says `leaving` at once, so
 * front ends stop waiting for this instance, and then either rejoins after a backoff (a retryable
 * failure) or stays out and says why (one that cannot pass).
 *
 * @example
 * ```ts
 * const membership = new GroupMembership(transport, 'requests', options, heartbeats, clock, {
 *   deliver: (d) => admit(d), error: (e) => events.next({ type: 'error', error: e }),
 * });
 * membership.join();
 * await membership.leave();
 * ```
 */
export class GroupMembership {
  private consumer: Subscription | undefined;
  private rejoinTimer: Timer | undefined;
  private losses = 0;
  private active = false;
  /** Bumped on every (re)subscription and loss, so a stale subscription's end is ignored. */
  private generation = 0;

  constructor(
    private readonly transport: Transport,
    private readonly stream: string,
    private readonly options: ConsumeOptions,
    private readonly heartbeats: WorkerHeartbeats,
    private readonly clock: Clock,
    private readonly on: {
      readonly deliver: (delivery: Delivery) => void;
      readonly error: (error: RendezvousError) => void;
    },
    private readonly what: string,
  ) {}

  /** Consumer losses so far. */
  get lostCount(): number {
    return this.losses;
  }

  /** Subscribes and starts heartbeats. Throws (having undone both) if the transport throws. */
  join(): void {
    this.active = true;
    try {
      this.subscribe();
    } catch (error) {
      this.active = false;
      throw error;
    }
  }

  /**
   * The first step of a drain: stops beating and answering probes, never rejoins, and says
   * `leaving` at once, so front ends stop waiting for this instance while the consumer stays
   * subscribed (the deliveries in progress can still be acknowledged) until {@link leave}.
   */
  drain(): Promise<void> {
    this.active = false;
    this.rejoinTimer?.cancel();
    this.rejoinTimer = undefined;
    this.heartbeats.stop();
    return this.heartbeats.leaving();
  }

  /** Stops heartbeats, cancels a pending rejoin and leaves the group. */
  leave(): void {
    this.active = false;
    this.rejoinTimer?.cancel();
    this.rejoinTimer = undefined;
    this.stopParts();
  }

  private subscribe(): void {
    const generation = ++this.generation;
    const lost = (cause: RendezvousError): void => {
      if (generation === this.generation) this.lost(cause);
    };
    try {
      const consumer = this.transport.consume(this.stream, this.options).subscribe({
        next: (delivery) => this.on.deliver(delivery),
        error: (error: unknown) => lost(toRendezvousError(error, 'CONNECTION_LOST', true)),
        complete: () =>
          lost(
            new TransportClosedError(
              'the requests stream ended under a running worker: was its transport closed first? Call `await worker.stop()` before `transport.close()`',
            ),
          ),
      });
      // Lost while subscribing (a transport that errors at once): never start heartbeats.
      if (generation !== this.generation || consumer.closed) return;
      this.consumer = consumer;
      this.heartbeats.start();
    } catch (error) {
      this.generation++;
      this.stopParts();
      throw error;
    }
  }

  private stopParts(): void {
    this.heartbeats.stop();
    const consumer = this.consumer;
    this.consumer = undefined;
    consumer?.unsubscribe();
  }

  private lost(cause: RendezvousError): void {
    if (!this.active) return;
    this.generation++;
    this.losses++;
    this.stopParts();
    void this.heartbeats.leaving(); // never rejects
    if (!cause.retryable) {
      this.active = false;
      const message = `${this.what} stopped consuming (${cause.message}) and announced that it leaves; fix the cause and start a new ModelWorker`;
      this.on.error(new RendezvousError(cause.code, message, { cause }));
      return;
    }
    const delay = Math.min(REJOIN_MAX_MS, REJOIN_INITIAL_MS * 2 ** Math.min(this.losses - 1, 16));
    const message = `${this.what} lost its consumer (${cause.message}); it announced that it leaves and rejoins in ${delay} ms`;
    this.on.error(new RendezvousError(cause.code, message, { retryable: true, cause }));
    this.rejoinTimer = this.clock.setTimeout(() => {
      this.rejoinTimer = undefined;
      if (!this.active) return;
      try {
        this.subscribe();
      } catch (error) {
        this.lost(toRendezvousError(error, 'CONNECTION_LOST', true));
      }
    }, delay);
  }
}
